package org.infer4j;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The main class {@link TensorMemoryTest} starts in a JVM of its own, to observe direct memory
 * under JVM options that the test JVM cannot change. Prints what it did; a failure ends it with a
 * stack trace and a non-zero exit code.
 */
public final class DirectMemoryChild {
    static final int CYCLES = 1000;
    static final int TENSOR_BYTES = 16 << 20;
    static final int MAX_COLLECTIONS = 100;

    private DirectMemoryChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        switch (args[0]) {
            case "cycles" -> allocateAndCloseCycles();
            case "leak" -> dropTensorsAndCollect();
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    /** Allocates and closes 16 MiB tensors, through each of the factories that allocate, in turn. */
    private static void allocateAndCloseCycles() {
        int floats = TENSOR_BYTES / Float.BYTES;
        float[] values = new float[floats];
        ByteBuffer heapSource = ByteBuffer.allocate(TENSOR_BYTES);
        for (int i = 0; i < CYCLES; i++) {
            Tensor t = switch (i % 3) {
                case 0 -> Tensor.allocate(ElementType.FLOAT32, floats);
                case 1 -> Tensor.of(values, floats);
                default -> Tensor.copyOf(ElementType.FLOAT32, heapSource, floats);
            };
            t.buffer().putFloat(0, i);
            t.close();
        }
        System.out.println(CYCLES + " cycles of " + (TENSOR_BYTES >> 20) + " MiB tensors completed");
    }

    /**
     * Drops an unclosed tensor of shape [2, 3], a closed one of shape [5, 7] and an unclosed
     * wrapper of shape [4, 9], then collects until a leak warning appears on stderr, at most
     * {@link #MAX_COLLECTIONS} times. The logger writes to whatever System.err is when it logs.
     */
    private static void dropTensorsAndCollect() throws InterruptedException {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                stderr.write(b);
                captured.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                stderr.write(b, off, len);
                captured.write(b, off, len);
            }
        }, true));
        dropTensors();
        int collections = 0;
        while (collections < MAX_COLLECTIONS && !captured.toString().contains("never closed")) {
            System.gc();
            collections++;
            Thread.sleep(10);
        }
        System.out.println(captured.toString().contains("never closed") ? "a leak warning after " + collections + " collections"
                : "no leak warning after " + collections + " collections");
    }

    private static void dropTensors() {
        Tensor.allocate(ElementType.FLOAT32, 2, 3);
        Tensor.allocate(ElementType.INT64, 5, 7).close();
        Tensor.wrap(ElementType.FLOAT32, ByteBuffer.allocateDirect(4 * 36).order(ByteOrder.nativeOrder()), 4, 9);
    }
}
