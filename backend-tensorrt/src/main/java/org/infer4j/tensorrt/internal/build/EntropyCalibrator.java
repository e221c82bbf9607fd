package org.infer4j.tensorrt.internal.build;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.tensorrt.nvinfer.IInt8EntropyCalibrator2;
import org.infer4j.InferenceException;
import org.infer4j.InvalidInputException;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.tensorrt.internal.nativeinterop.Cuda;
import org.jspecify.annotations.Nullable;

/**
 * TensorRT's entropy calibrator (version 2, the one TensorRT recommends for CNNs and transformers alike),
 * implemented in Java through JavaCPP's virtual-method peer. During one build TensorRT calls, on the building
 * thread: {@link #readCalibrationCache} (a table from an earlier calibration means no batch is read), else
 * {@link #getBatch} until it answers false, then {@link #writeCalibrationCache} with the new table.
 *
 * <p><b>Ownership.</b> The calibrator owns one device buffer per input, sized for the calibration shapes and
 * allocated on the first batch, and the native copy of the cached table that TensorRT reads; {@link #close()}
 * frees both and the native peer. The builder configuration holds only a raw pointer to the peer, and
 * JavaCPP's peer reaches this object through a weak reference: the caller keeps it strongly reachable until
 * the build has returned and the configuration is deleted, then closes it.
 *
 * <p><b>Failures.</b> The callbacks run inside TensorRT's C++ frames, where an exception must not escape
 * (JavaCPP does not check for a pending one): each catches everything, records the first failure and ends
 * calibration by answering false; {@link #failure()} hands it to the caller after the build. Not thread-safe:
 * one build uses it, on one thread.
 */
public final class EntropyCalibrator extends IInt8EntropyCalibrator2 implements AutoCloseable {
    private static final int HOST_TO_DEVICE = 1;

    private final Iterable<? extends Map<String, ? extends Tensor>> source;
    private final CalibrationBatches checks;
    private final Map<String, Shape> shapes;
    private final int device;
    private final byte @Nullable [] cachedTable;
    private final Map<String, Pointer> deviceBuffers = new HashMap<>();
    private @Nullable Iterator<? extends Map<String, ? extends Tensor>> batches;
    private @Nullable BytePointer nativeTable;
    private byte @Nullable [] writtenTable;
    private int batchesRead;
    private @Nullable RuntimeException failure;
    private boolean closed;

    /**
     * A calibrator over {@code source}; allocates nothing until TensorRT asks for a batch.
     *
     * @param source the calibration batches
     * @param checks the checks each batch must pass
     * @param shapes the first batch's shapes, which are the calibration profile's
     * @param device the CUDA device the build runs on
     * @param cachedTable the calibration table of an earlier run, or null to calibrate
     */
    public EntropyCalibrator(Iterable<? extends Map<String, ? extends Tensor>> source, CalibrationBatches checks,
                             Map<String, Shape> shapes, int device, byte @Nullable [] cachedTable) {
        super(); // allocates the native peer whose virtual methods call the overrides below
        this.source = source;
        this.checks = checks;
        this.shapes = Map.copyOf(shapes);
        this.device = device;
        this.cachedTable = cachedTable == null ? null : cachedTable.clone();
    }

    /** Explicit-batch networks calibrate at the calibration profile's shapes; TensorRT 10 requires 1 here. */
    @Override
    public int getBatchSize() {
        return 1;
    }

    @Override
    public boolean getBatch(PointerPointer bindings, PointerPointer names, int nbBindings) {
        try {
            Iterator<? extends Map<String, ? extends Tensor>> it = batches;
            if (it == null) {
                it = source.iterator();
                batches = it;
            }
            if (failure != null || !it.hasNext()) {
                return false;
            }
            Map<String, ? extends Tensor> batch = it.next();
            checks.requireLike(batchesRead, batch, shapes);
            Cuda.useDevice(device);
            for (int i = 0; i < nbBindings; i++) {
                String name = names.getString(i);
                Tensor tensor = batch.get(name);
                if (tensor == null) {
                    throw new InvalidInputException("TensorRT asked for calibration input '" + name + "', which the batches "
                            + "do not have; they have " + batch.keySet());
                }
                Pointer buffer = bufferFor(name, tensor.byteSize());
                Cuda.check(cudaMemcpy(buffer, new Pointer(tensor.buffer()), tensor.byteSize(), HOST_TO_DEVICE),
                        "copying INT8 calibration batch " + batchesRead + " input '" + name + "' to the GPU");
                bindings.put(i, buffer);
            }
            batchesRead++;
            return true;
        } catch (Throwable t) {
            fail(t);
            return false;
        }
    }

    @Override
    public @Nullable Pointer readCalibrationCache(LongPointer length) {
        try {
            if (cachedTable == null) {
                length.put(0, 0);
                return null;
            }
            if (nativeTable == null) {
                nativeTable = new BytePointer(cachedTable); // TensorRT reads it after this returns: kept until close
            }
            length.put(0, cachedTable.length);
            return nativeTable;
        } catch (Throwable t) {
            fail(t);
            return null;
        }
    }

    @Override
    public void writeCalibrationCache(Pointer ptr, long length) {
        try {
            byte[] table = new byte[Math.toIntExact(length)];
            new BytePointer(ptr).capacity(length).get(table);
            writtenTable = table;
        } catch (Throwable t) {
            fail(t);
        }
    }

    /**
     * How many batches TensorRT read in this build: 0 when it used the cached table.
     *
     * @return the number of batches copied to the GPU
     */
    public int batchesRead() {
        return batchesRead;
    }

    /**
     * The table TensorRT wrote after calibrating, if it calibrated.
     *
     * @return a copy of the table, or null if TensorRT used the cached one or has not finished
     */
    public byte @Nullable [] writtenTable() {
        return writtenTable == null ? null : writtenTable.clone();
    }

    /**
     * The first failure in a callback, as the exception to throw after the build: the data's own
     * {@link InferenceException} as it was, anything else wrapped in one.
     *
     * @return the failure, or null if there was none
     */
    public @Nullable RuntimeException failure() {
        return failure;
    }

    /** Frees the device buffers, the native table and the native peer; harmless twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Pointer buffer : deviceBuffers.values()) {
            cudaFree(buffer);
        }
        deviceBuffers.clear();
        if (nativeTable != null) {
            nativeTable.close();
            nativeTable = null;
        }
        super.close();
    }

    private Pointer bufferFor(String name, long bytes) {
        Pointer buffer = deviceBuffers.get(name);
        if (buffer == null) {
            buffer = new Pointer();
            Cuda.check(cudaMalloc(buffer, Math.max(bytes, 1)), "cudaMalloc(" + bytes + " bytes) for calibration input '"
                    + name + "'");
            deviceBuffers.put(name, buffer);
        }
        return buffer;
    }

    private void fail(Throwable t) {
        if (failure == null) {
            failure = t instanceof InferenceException e ? e
                    : new InferenceException("INT8 calibration failed on batch " + batchesRead + ": " + t, t);
        }
    }
}
