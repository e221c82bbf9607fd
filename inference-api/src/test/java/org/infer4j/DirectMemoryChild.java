package org.infer4j;

import java.nio.ByteBuffer;

/**
 * The main class {@link TensorMemoryTest} starts in a JVM of its own, to observe direct memory
 * under JVM options that the test JVM cannot change. Prints what it did; a failure ends it with a
 * stack trace and a non-zero exit code.
 */
public final class DirectMemoryChild {
    static final int CYCLES = 1000;
    static final int TENSOR_BYTES = 16 << 20;

    private DirectMemoryChild() {
    }

    public static void main(String[] args) {
        switch (args[0]) {
            case "cycles" -> allocateAndCloseCycles();
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
}
