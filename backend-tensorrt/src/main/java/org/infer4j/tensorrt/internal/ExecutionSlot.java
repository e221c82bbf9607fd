package org.infer4j.tensorrt.internal;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.infer4j.ElementType;
import org.infer4j.InferenceException;
import org.infer4j.InvalidInputException;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.jspecify.annotations.Nullable;

/**
 * One TensorRT execution context with everything it runs with: its own CUDA stream, a device
 * buffer per input and output sized for the profile's largest shapes, and page-locked staging
 * memory per tensor. A call stages host inputs, enqueues the uploads, {@code enqueueV3} and the
 * downloads on the stream, and synchronises once.
 *
 * <p>The addresses of the device buffers and staging memory never change, so the sequence
 * {@link #enqueueUploads} → {@link #enqueueInference} → {@link #enqueueDownloads} on
 * {@link #stream()} can be captured into a CUDA graph and replayed (the CUDA-graphs module builds
 * on this). Not thread-safe: one caller at a time, which the engine's pool and bindings ensure.
 */
final class ExecutionSlot implements AutoCloseable {
    private static final int HOST_TO_DEVICE = 1;
    private static final int DEVICE_TO_HOST = 2;
    private static final int NON_BLOCKING_STREAM = 1;

    private final String modelName;
    private final int device;
    private final IExecutionContext context;
    private final CUstream_st stream;
    private final Io[] inputs;
    private final Io[] outputs;
    private boolean closed;

    /** One input or output of this context. */
    private static final class Io {
        final TensorInfo info;
        final BytePointer name;
        final @Nullable ShapeRange range;
        final Dims64 dims = new Dims64();
        long capacity;
        Pointer deviceBuffer = new Pointer();
        Pointer staging = new Pointer();
        @Nullable ByteBuffer stagingView;
        long @Nullable [] shape;
        @Nullable Shape currentShape;
        /** Where the result of the current call goes on the host after synchronising, if anywhere. */
        @Nullable Tensor pendingHostCopy;

        Io(TensorInfo info, @Nullable ShapeRange range) {
            this.info = info;
            this.name = new BytePointer(info.name());
            this.range = range;
        }
    }

    ExecutionSlot(ICudaEngine engine, String modelName, int device, List<TensorInfo> inputInfos, List<TensorInfo> outputInfos,
                  ProfilePlan plan) {
        this.modelName = modelName;
        this.device = device;
        Cuda.useDevice(device);
        this.inputs = new Io[inputInfos.size()];
        this.outputs = new Io[outputInfos.size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = new Io(inputInfos.get(i), plan.range(inputInfos.get(i).name()));
        }
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = new Io(outputInfos.get(i), null);
        }
        IExecutionContext ctx = engine.createExecutionContext();
        if (ctx == null || ctx.isNull()) {
            throw new InferenceException("TensorRT could not create an execution context for " + modelName
                    + " (out of GPU memory?); use a smaller TensorRtSettings.contextPoolSize");
        }
        this.context = ctx;
        this.stream = new CUstream_st();
        try {
            Cuda.check(cudaStreamCreateWithFlags(stream, NON_BLOCKING_STREAM), "cudaStreamCreateWithFlags");
            for (Io in : inputs) {
                Shape max = in.range.max();
                setShape(in, max);
                in.capacity = Math.multiplyExact(max.elementCount(), (long) in.info.elementType().byteSize());
            }
            for (Io out : outputs) {
                Shape max = queryShape(out);
                out.capacity = Math.multiplyExact(max.elementCount(), (long) out.info.elementType().byteSize());
            }
            for (Io io : all()) {
                long bytes = Math.max(io.capacity, 1);
                Cuda.check(cudaMalloc(io.deviceBuffer, bytes), "cudaMalloc(" + bytes + " bytes for '" + io.info.name() + "')");
                Cuda.check(cudaMallocHost(io.staging, bytes), "cudaMallocHost(" + bytes + " bytes for '" + io.info.name() + "')");
                if (io.capacity > Integer.MAX_VALUE) {
                    throw new InferenceException("'" + io.info.name() + "' of " + modelName + " needs " + io.capacity
                            + " bytes at the largest profile shape; host staging holds at most 2 GiB: give a smaller "
                            + "shape range");
                }
                io.stagingView = new BytePointer(io.staging).capacity(bytes).limit(bytes).asByteBuffer()
                        .order(ByteOrder.nativeOrder());
                if (!context.setTensorAddress(io.name, io.deviceBuffer)) {
                    throw new InferenceException("TensorRT refused the address of '" + io.info.name() + "' for " + modelName);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The stream every operation of this slot runs on. */
    CUstream_st stream() {
        return stream;
    }

    /**
     * Fixes the input shapes of the next call and returns the output shapes they give.
     *
     * @throws InvalidInputException if a shape lies outside the engine's profile
     */
    Shape[] prepare(Map<String, ? extends Tensor> in) {
        boolean changed = false;
        for (Io io : inputs) {
            Shape s = in.get(io.info.name()).shape();
            if (!s.equals(io.currentShape)) {
                if (!io.range.contains(s)) {
                    throw new InvalidInputException("input '" + io.info.name() + "' has shape " + s + " but the TensorRT engine of "
                            + modelName + " was built for " + io.range + "; give a wider range with "
                            + "EngineBuilder.shapeRange(\"" + io.info.name() + "\", ...) (a new engine is built and cached)");
                }
                setShape(io, s);
                changed = true;
            }
        }
        Shape[] shapes = new Shape[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            Io out = outputs[i];
            if (changed || out.currentShape == null) {
                out.currentShape = queryShape(out);
            }
            shapes[i] = out.currentShape;
        }
        return shapes;
    }

    /**
     * Runs one inference: {@code out} may hold some outputs (host or device, of the shapes
     * {@link #prepare} returned); outputs not in it are written to {@code fresh}, new host tensors
     * in model order, when {@code fresh} is given, and discarded otherwise.
     */
    void run(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out, Tensor @Nullable [] fresh) {
        Cuda.useDevice(device);
        prepare(in);
        enqueueUploads(in);
        for (int i = 0; i < outputs.length; i++) {
            Io io = outputs[i];
            Tensor target = out.get(io.info.name());
            if (target == null && fresh != null) {
                target = fresh[i];
            }
            if (target != null && !target.shape().equals(io.currentShape)) {
                throw new InvalidInputException("output '" + io.info.name() + "' has shape " + target.shape()
                        + " but these inputs give " + io.currentShape);
            }
            bindOutput(io, target);
        }
        enqueueInference();
        enqueueDownloads();
        synchronize();
        for (Io io : outputs) {
            Tensor target = io.pendingHostCopy;
            if (target != null) {
                ByteBuffer staged = io.stagingView;
                staged.clear().limit((int) target.byteSize());
                target.buffer().put(staged);
                io.pendingHostCopy = null;
            }
        }
    }

    /** Copies host inputs to the device (device inputs are bound in place); asynchronous on {@link #stream()}. */
    void enqueueUploads(Map<String, ? extends Tensor> in) {
        for (Io io : inputs) {
            Tensor t = in.get(io.info.name());
            Pointer address;
            if (t instanceof DeviceTensor d) {
                address = d.address();
            } else {
                address = io.deviceBuffer;
                Pointer source;
                if (t instanceof PinnedHostTensor p) {
                    source = p.address();
                } else {
                    ByteBuffer staged = io.stagingView;
                    staged.clear();
                    staged.put(t.buffer());
                    source = io.staging;
                }
                Cuda.check(cudaMemcpyAsync(io.deviceBuffer, source, t.byteSize(), HOST_TO_DEVICE, stream),
                        "uploading input '" + io.info.name() + "'");
            }
            bindAddress(io, address);
        }
    }

    /** Enqueues the inference itself on {@link #stream()}. */
    void enqueueInference() {
        try (TrtLogger.Capture capture = TrtLogger.INSTANCE.capture(null)) {
            if (!context.enqueueV3(stream)) {
                throw new InferenceException("TensorRT could not enqueue " + modelName + capture.errors());
            }
        }
    }

    /** Enqueues the downloads of host outputs bound by {@link #run}. */
    void enqueueDownloads() {
        for (Io io : outputs) {
            Tensor target = io.pendingHostCopy;
            if (target instanceof PinnedHostTensor p) {
                Cuda.check(cudaMemcpyAsync(p.address(), io.deviceBuffer, target.byteSize(), DEVICE_TO_HOST, stream),
                        "downloading output '" + io.info.name() + "'");
                io.pendingHostCopy = null;
            } else if (target != null) {
                Cuda.check(cudaMemcpyAsync(io.staging, io.deviceBuffer, target.byteSize(), DEVICE_TO_HOST, stream),
                        "downloading output '" + io.info.name() + "'");
            }
        }
    }

    /** Waits for everything enqueued on {@link #stream()}. */
    void synchronize() {
        int status = cudaStreamSynchronize(stream);
        if (status != 0) {
            throw new InferenceException("inference of " + modelName + " failed on the GPU: " + Cuda.errorText(status)
                    + "; the CUDA context may be unusable now, restart the process");
        }
    }

    private void bindOutput(Io io, @Nullable Tensor target) {
        io.pendingHostCopy = null;
        if (target instanceof DeviceTensor d) {
            bindAddress(io, d.address());
            return;
        }
        bindAddress(io, io.deviceBuffer);
        io.pendingHostCopy = target;
    }

    private void bindAddress(Io io, Pointer address) {
        if (!context.setTensorAddress(io.name, address)) {
            throw new InferenceException("TensorRT refused the address of '" + io.info.name() + "' for " + modelName);
        }
    }

    private void setShape(Io io, Shape s) {
        io.dims.nbDims(s.rank());
        for (int i = 0; i < s.rank(); i++) {
            io.dims.d(i, s.dim(i));
        }
        if (!context.setInputShape(io.name, io.dims)) {
            throw new InvalidInputException("TensorRT refused shape " + s + " for input '" + io.info.name() + "' of " + modelName
                    + " (profile " + io.range + ")");
        }
        io.currentShape = s;
    }

    private Shape queryShape(Io io) {
        Dims64 d = context.getTensorShape(io.name);
        try {
            long[] dims = new long[d.nbDims()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = d.d(i);
                if (dims[i] < 0) {
                    throw new InferenceException("output '" + io.info.name() + "' of " + modelName + " has a data-dependent "
                            + "shape, which the tensorrt backend does not support; use ort-cuda for this model");
                }
            }
            Shape s = Shape.of(dims);
            if (io.capacity > 0 && s.elementCount() * io.info.elementType().byteSize() > io.capacity) {
                throw new InferenceException("output '" + io.info.name() + "' of " + modelName + " would be " + s
                        + ", larger than at the profile's largest input shapes");
            }
            return s;
        } finally {
            d.close();
        }
    }

    private List<Io> all() {
        List<Io> list = new ArrayList<>(List.of(inputs));
        list.addAll(List.of(outputs));
        return list;
    }

    /** The element type TensorRT uses for {@code name}, to check against the model. */
    static @Nullable ElementType engineType(ICudaEngine engine, String name) {
        return TrtTypes.elementType(engine.getTensorDataType(name));
    }

    /** Frees the context, stream and memory; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!stream.isNull()) {
            cudaStreamSynchronize(stream);
        }
        NativeDelete.delete(context);
        if (!stream.isNull()) {
            cudaStreamDestroy(stream);
            stream.setNull();
        }
        for (Io io : all()) {
            if (!io.deviceBuffer.isNull()) {
                cudaFree(io.deviceBuffer);
                io.deviceBuffer.setNull();
            }
            if (!io.staging.isNull()) {
                cudaFreeHost(io.staging);
                io.staging.setNull();
            }
            io.stagingView = null;
            io.name.close();
            io.dims.close();
        }
    }
}
