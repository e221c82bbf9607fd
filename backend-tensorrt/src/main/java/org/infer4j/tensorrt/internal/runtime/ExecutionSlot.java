package org.infer4j.tensorrt.internal.runtime;

import static org.bytedeco.cuda.global.cudart.cudaEventBlockingSync;
import static org.bytedeco.cuda.global.cudart.cudaEventCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventDisableTiming;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaEventSynchronize;
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
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.infer4j.ElementType;
import org.infer4j.InferenceException;
import org.infer4j.InvalidInputException;
import org.infer4j.ModelLoadException;
import org.infer4j.OutOfDeviceMemoryException;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.tensorrt.internal.build.ProfilePlan;
import org.infer4j.tensorrt.internal.nativeinterop.Cuda;
import org.infer4j.tensorrt.internal.nativeinterop.NativeDelete;
import org.infer4j.tensorrt.internal.nativeinterop.TrtLogger;
import org.infer4j.tensorrt.internal.nativeinterop.TrtTypes;
import org.infer4j.tensorrt.spi.CapturableWork;
import org.infer4j.tensorrt.spi.GraphRunner;
import org.jspecify.annotations.Nullable;

/**
 * One TensorRT execution context with everything it runs with: its own CUDA stream, a device
 * buffer per input and output sized for the profile's largest shapes, and page-locked staging
 * memory per tensor. A call stages host inputs, enqueues the uploads, {@code enqueueV3} and the
 * downloads on the stream, and synchronises once.
 *
 * <p>A call is {@link #bind} (shapes, addresses, host-side staging on the CPU), {@link #launch}
 * (uploads, {@code enqueueV3}, downloads, all asynchronous on {@link #stream()}),
 * {@link #synchronize} and {@link #finishOutputs} (staged outputs to the caller's tensors). The
 * addresses of the device buffers and staging memory never change, so what {@link #launch}
 * enqueues can be captured into a CUDA graph and replayed: with a {@link GraphRunner} (from
 * {@code backend-cuda-graphs}) it is, one graph per {@link #signature() signature}. Under graphs,
 * host tensors go through the staging memory (their own addresses would be baked into the graph),
 * except the fixed tensors of a binding. Host tensors of up to {@code zeroCopyLimit} bytes are not
 * copied at all: TensorRT is given their page-locked memory (staging, or the caller's page-locked
 * tensor) and reaches it over the bus. Not thread-safe: one caller at a time, which the
 * engine's pool and bindings ensure.
 */
final class ExecutionSlot implements AutoCloseable {
    private static final int HOST_TO_DEVICE = 1;
    private static final int DEVICE_TO_HOST = 2;
    private static final int NON_BLOCKING_STREAM = 1;
    /** Signature entry of a host tensor copied through the staging memory. */
    private static final long STAGED = 1;
    /** Signature entry of an output nobody reads. */
    private static final long DISCARDED = 0;
    /** Signature entry of a host tensor staged and read or written in place there by TensorRT. */
    private static final long STAGED_IN_PLACE = 2;

    private final String modelName;
    private final int device;
    private final IExecutionContext context;
    private final CUstream_st stream;
    /** With blocking sync, the event a call sleeps on until the GPU reaches it; null when calls poll the stream. */
    private final @Nullable CUevent_st done;
    private final Io[] inputs;
    /** Per input, in the order of {@link #inputs}: the range of shapes the engine's profile accepts. */
    private final ShapeRange[] inputRanges;
    private final Io[] outputs;
    private final @Nullable GraphRunner graphs;
    private final boolean fixedHostTensors;
    private final long zeroCopyLimit;
    private final long[] signature;
    private final CapturableWork work = new CapturableWork() {
        @Override
        public CUstream_st stream() {
            return stream;
        }

        @Override
        public void enqueue() {
            enqueueAll();
        }

        @Override
        public void synchronize() {
            ExecutionSlot.this.synchronize();
        }

        @Override
        public String describe(long[] signature) {
            return ExecutionSlot.this.describe(signature);
        }
    };
    private volatile boolean closed;

    /** One input or output of this context. */
    private static final class Io {
        final TensorInfo info;
        final BytePointer name;
        final Dims64 dims = new Dims64();
        /** What a failed copy of this tensor reports; made once, as copies run on every call. */
        final String transferLabel;
        long capacity;
        Pointer deviceBuffer = new Pointer();
        Pointer staging = new Pointer();
        /** The staging memory as a buffer; null once the slot is closed. */
        @Nullable ByteBuffer stagingView;
        /** The shape of the next call: set for inputs in the constructor, for outputs by every {@code applyShapes}. */
        @Nullable Shape currentShape;
        /** Where the result of the current call goes on the host after synchronising, if anywhere. */
        @Nullable Tensor pendingHostCopy;
        /** Host memory the current call uploads from (inputs) or downloads to (outputs); null: none. */
        @Nullable Pointer transferSource;
        @Nullable Pointer transferTarget;
        long transferBytes;
        /** This tensor's part of the signature: a bound address, {@link #STAGED}, {@link #STAGED_IN_PLACE} or {@link #DISCARDED}. */
        long key;
        /** The address TensorRT holds for this tensor: set again only when it changes. */
        long boundAddress;

        Io(TensorInfo info, boolean input) {
            this.info = info;
            this.name = new BytePointer(info.name());
            this.transferLabel = (input ? "uploading input '" : "downloading output '") + info.name() + "'";
        }
    }

    /**
     * @param graphs replays the work as CUDA graphs, if given; this slot owns it and closes it
     * @param fixedHostTensors whether the host tensors of every call are the same objects (a
     *        binding's), so that graphs may bake in the addresses of page-locked ones
     * @param zeroCopyLimit the largest host tensor, in bytes, bound in page-locked memory instead of copied
     */
    ExecutionSlot(ICudaEngine engine, String modelName, int device, List<TensorInfo> inputInfos, List<TensorInfo> outputInfos,
                  ProfilePlan plan, @Nullable GraphRunner graphs, boolean fixedHostTensors, boolean blockingSync,
                  long zeroCopyLimit) {
        this.modelName = modelName;
        this.graphs = graphs;
        this.fixedHostTensors = fixedHostTensors;
        this.zeroCopyLimit = zeroCopyLimit;
        int signatureLength = outputInfos.size();
        for (TensorInfo in : inputInfos) {
            signatureLength += in.shape().rank() + 2;
        }
        this.signature = new long[signatureLength];
        this.device = device;
        Cuda.useDevice(device);
        this.inputs = new Io[inputInfos.size()];
        this.inputRanges = new ShapeRange[inputInfos.size()];
        this.outputs = new Io[outputInfos.size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = new Io(inputInfos.get(i), true);
            inputRanges[i] = plan.range(inputInfos.get(i).name());
        }
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = new Io(outputInfos.get(i), false);
        }
        IExecutionContext ctx = engine.createExecutionContext();
        if (ctx == null || ctx.isNull()) {
            if (graphs != null) {
                graphs.close(); // owned by this slot, which will never be closed
            }
            for (Io io : all()) {
                io.name.close();
                io.dims.close();
            }
            // TensorRT allocates a context's activation memory, sized for the profile's largest shapes, here
            throw new OutOfDeviceMemoryException("TensorRT could not create an execution context for " + modelName
                    + " (its activation memory for the largest shapes of the profile did not fit in the GPU's free memory); "
                    + "give a smaller shape range (EngineBuilder.shapeRange) or a smaller TensorRtSettings.contextPoolSize");
        }
        this.context = ctx;
        this.stream = new CUstream_st();
        this.done = blockingSync ? new CUevent_st() : null;
        try {
            Cuda.check(cudaStreamCreateWithFlags(stream, NON_BLOCKING_STREAM), "cudaStreamCreateWithFlags");
            if (done != null) {
                Cuda.check(cudaEventCreateWithFlags(done, cudaEventBlockingSync | cudaEventDisableTiming),
                        "cudaEventCreateWithFlags(cudaEventBlockingSync)");
            }
            for (int i = 0; i < inputs.length; i++) {
                Io in = inputs[i];
                Shape max = inputRanges[i].max();
                setShape(in, inputRanges[i], max);
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
                bindAddress(io, io.deviceBuffer);
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
        applyShapes(in);
        Shape[] shapes = new Shape[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            shapes[i] = currentShape(outputs[i]);
        }
        return shapes;
    }

    /** {@link #prepare} without the array: the per-call path, where the shapes stay in the outputs' {@code currentShape}. */
    private void applyShapes(Map<String, ? extends Tensor> in) {
        boolean changed = false;
        for (int i = 0; i < inputs.length; i++) {
            Io io = inputs[i];
            ShapeRange range = inputRanges[i];
            Shape s = input(in, io).shape();
            if (!s.equals(io.currentShape)) {
                if (!range.contains(s)) {
                    throw new InvalidInputException("input '" + io.info.name() + "' has shape " + s + " but the TensorRT engine of "
                            + modelName + " was built for " + range + "; give a wider range with "
                            + "EngineBuilder.shapeRange(\"" + io.info.name() + "\", ...) (a new engine is built and cached)");
                }
                setShape(io, range, s);
                changed = true;
            }
        }
        for (Io out : outputs) {
            if (changed || out.currentShape == null) {
                out.currentShape = queryShape(out);
            }
        }
    }

    /**
     * Runs one inference: {@code out} may hold some outputs (host or device, of the shapes
     * {@link #prepare} returned); outputs not in it are written to {@code fresh}, new host tensors
     * in model order, when {@code fresh} is given, and discarded otherwise.
     */
    void run(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out, Tensor @Nullable [] fresh) {
        bind(in, out, fresh);
        try {
            launch();
        } catch (RuntimeException e) {
            drain();
            throw e;
        }
        synchronize();
        finishOutputs();
    }

    /**
     * After a failed {@link #launch}: waits for whatever it enqueued before failing (uploads from
     * the caller's page-locked inputs, downloads into its outputs), so that neither the caller,
     * freeing its tensors once the exception reaches it, nor the next borrower of this slot,
     * restaging, touches memory a copy still reads or writes. Its status is not thrown: the launch's
     * failure is the one to report.
     */
    void drain() {
        if (!stream.isNull()) {
            cudaStreamSynchronize(stream);
        }
    }

    /**
     * Fixes shapes and binds every address for one inference: host inputs are copied to the
     * staging memory here, on the CPU (page-locked inputs are uploaded from where they are, when
     * their address may be baked in: without graphs, or for a binding's fixed tensors).
     */
    void bind(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out, Tensor @Nullable [] fresh) {
        ensureOpen();
        Cuda.useDevice(device);
        applyShapes(in);
        for (Io io : inputs) {
            bindInput(io, input(in, io));
        }
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
    }

    /** Enqueues the bound inference on {@link #stream()}: through the graph runner when there is one. */
    void launch() {
        GraphRunner g = graphs;
        if (g != null) {
            g.run(signature(), work);
        } else {
            enqueueAll();
        }
    }

    /** After {@link #synchronize()}: copies staged outputs to the caller's host tensors. */
    void finishOutputs() {
        for (Io io : outputs) {
            Tensor target = io.pendingHostCopy;
            if (target != null) {
                ByteBuffer staged = stagingView(io);
                staged.clear().limit((int) target.byteSize());
                target.buffer().put(staged);
                io.pendingHostCopy = null;
            }
        }
    }

    /** The graph runner's counters, or {@link GraphRunner.Stats#NONE} without graphs. */
    GraphRunner.Stats graphStats() {
        GraphRunner g = graphs;
        return g == null ? GraphRunner.Stats.NONE : g.stats();
    }

    private void bindInput(Io io, Tensor t) {
        io.transferSource = null;
        if (t instanceof DeviceTensor d) {
            io.key = d.address().address();
            bindAddress(io, d.address());
            return;
        }
        Pointer host = hostSide(io, t);
        if (host == io.staging) {
            ByteBuffer staged = stagingView(io);
            staged.clear();
            staged.put(t.buffer());
        }
        if (bindHost(io, host, t.byteSize())) {
            io.transferSource = host;
        }
    }

    private void bindOutput(Io io, @Nullable Tensor target) {
        io.pendingHostCopy = null;
        io.transferTarget = null;
        if (target instanceof DeviceTensor d) {
            io.key = d.address().address();
            bindAddress(io, d.address());
            return;
        }
        if (target == null) {
            io.key = DISCARDED;
            bindAddress(io, io.deviceBuffer);
            return;
        }
        Pointer host = hostSide(io, target);
        if (host == io.staging) {
            io.pendingHostCopy = target;
        }
        if (bindHost(io, host, target.byteSize())) {
            io.transferTarget = host;
        }
    }

    /**
     * The host memory a host tensor's bytes go through, and its part of the graph signature: the
     * tensor's own page-locked memory where its address may be baked in (without graphs, or for a
     * binding's fixed tensors), else the staging memory, whose key says whether TensorRT reads it in
     * place.
     */
    private Pointer hostSide(Io io, Tensor t) {
        if (t instanceof PinnedHostTensor p && (graphs == null || fixedHostTensors)) {
            io.key = graphs == null ? 0 : p.address().address();
            return p.address();
        }
        io.key = inPlace(t.byteSize()) ? STAGED_IN_PLACE : STAGED;
        return io.staging;
    }

    /**
     * Binds {@code host} itself when TensorRT reads it in place, else the device buffer; returns
     * whether {@code bytes} must be copied between the two.
     */
    private boolean bindHost(Io io, Pointer host, long bytes) {
        if (inPlace(bytes)) {
            bindAddress(io, host);
            return false;
        }
        io.transferBytes = bytes;
        bindAddress(io, io.deviceBuffer);
        return true;
    }

    /**
     * Whether a host tensor of {@code bytes} is given to TensorRT in page-locked memory (mapped into
     * the GPU's address space, as CUDA maps all of it under unified addressing) instead of copied.
     */
    private boolean inPlace(long bytes) {
        return zeroCopyLimit > 0 && bytes <= zeroCopyLimit;
    }

    /** Enqueues uploads, {@code enqueueV3} and downloads of the bound inference; no synchronisation. */
    private void enqueueAll() {
        for (Io io : inputs) {
            Pointer source = io.transferSource;
            if (source != null) {
                Cuda.check(cudaMemcpyAsync(io.deviceBuffer, source, io.transferBytes, HOST_TO_DEVICE, stream),
                        io.transferLabel);
            }
        }
        enqueueInference();
        for (Io io : outputs) {
            Pointer target = io.transferTarget;
            if (target != null) {
                Cuda.check(cudaMemcpyAsync(target, io.deviceBuffer, io.transferBytes, DEVICE_TO_HOST, stream),
                        io.transferLabel);
            }
        }
    }

    /** Enqueues the inference itself on {@link #stream()}. */
    private void enqueueInference() {
        try (TrtLogger.Capture capture = TrtLogger.INSTANCE.capture(null)) {
            if (!context.enqueueV3(stream)) {
                throw new InferenceException("TensorRT could not enqueue " + modelName + capture.errors());
            }
        }
    }

    /** Waits for everything enqueued on {@link #stream()}: polling it, or asleep on {@link #done} with blocking sync. */
    void synchronize() {
        CUevent_st event = done;
        int status = event == null ? cudaStreamSynchronize(stream) : sleepUntilReached(event);
        if (status != 0) {
            throw new InferenceException("inference of " + modelName + " failed on the GPU: " + Cuda.errorText(status)
                    + "; the CUDA context may be unusable now, restart the process");
        }
    }

    private int sleepUntilReached(CUevent_st event) {
        int status = cudaEventRecord(event, stream);
        return status != 0 ? status : cudaEventSynchronize(event);
    }

    /**
     * What a graph of the bound inference bakes in: per input its rank, dimensions and where it is
     * uploaded from or bound to; per output where it goes. Reuses one array.
     */
    private long[] signature() {
        int k = 0;
        for (Io io : inputs) {
            Shape s = currentShape(io);
            signature[k++] = s.rank();
            for (int d = 0; d < s.rank(); d++) {
                signature[k++] = s.dim(d);
            }
            signature[k++] = io.key;
        }
        for (Io io : outputs) {
            signature[k++] = io.key;
        }
        return signature;
    }

    /** Describes a {@link #signature()} for log lines and stats notes. */
    String describe(long[] sig) {
        StringBuilder sb = new StringBuilder();
        int k = 0;
        for (Io io : inputs) {
            int rank = (int) sig[k++];
            sb.append(sb.length() == 0 ? "" : ", ").append(io.info.name()).append('[');
            for (int d = 0; d < rank; d++) {
                sb.append(d == 0 ? "" : "x").append(sig[k++]);
            }
            sb.append(']').append(where(sig[k++]));
        }
        for (Io io : outputs) {
            sb.append(", ").append(io.info.name()).append(where(sig[k++]));
        }
        return sb.toString();
    }

    private static String where(long key) {
        if (key == STAGED) {
            return " staged";
        }
        if (key == STAGED_IN_PLACE) {
            return " staged, in place";
        }
        if (key == DISCARDED) {
            return " discarded";
        }
        return " @0x" + Long.toHexString(key);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this TensorRT execution context of " + modelName + " is closed");
        }
    }

    private void bindAddress(Io io, Pointer address) {
        long a = address.address();
        if (a == io.boundAddress) {
            return; // the context keeps addresses between calls; one JNI call less per tensor and call
        }
        if (!context.setTensorAddress(io.name, address)) {
            throw new InferenceException("TensorRT refused the address of '" + io.info.name() + "' for " + modelName);
        }
        io.boundAddress = a;
    }

    /** The tensor the caller gives for input {@code io}; the engine checked that every input is given. */
    private static Tensor input(Map<String, ? extends Tensor> in, Io io) {
        Tensor t = in.get(io.info.name());
        if (t == null) {
            throw new InvalidInputException("missing input '" + io.info.name() + "'");
        }
        return t;
    }

    /** The shape {@code io} has for the next call. */
    private static Shape currentShape(Io io) {
        Shape s = io.currentShape;
        if (s == null) {
            throw new IllegalStateException("no shape is known yet for '" + io.info.name() + "'");
        }
        return s;
    }

    /** The staging memory of {@code io}, which a closed slot has freed. */
    private ByteBuffer stagingView(Io io) {
        ByteBuffer view = io.stagingView;
        if (view == null) {
            throw new IllegalStateException("this TensorRT execution context of " + modelName + " is closed");
        }
        return view;
    }

    private void setShape(Io io, ShapeRange range, Shape s) {
        io.dims.nbDims(s.rank());
        for (int i = 0; i < s.rank(); i++) {
            io.dims.d(i, s.dim(i));
        }
        if (!context.setInputShape(io.name, io.dims)) {
            throw new InvalidInputException("TensorRT refused shape " + s + " for input '" + io.info.name() + "' of " + modelName
                    + " (profile " + range + ")");
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
                    throw new ModelLoadException("output '" + io.info.name() + "' of " + modelName + " has a data-dependent "
                            + "shape (NonZero, NonMaxSuppression, Unique and the like): TensorRT reports such a shape only "
                            + "through an IOutputAllocator callback, which the JavaCPP TensorRT preset pinned by infer4j "
                            + "(1.5.11) cannot implement in Java, so the tensorrt backend cannot run this model; run it on "
                            + "ort-cuda or ort-cpu");
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

    /**
     * Destroys this slot's graphs, once the binding whose tensors they bake in has closed: its
     * caller may free those tensors, and a later tensor at the same address is other memory to
     * CUDA. A closed slot has none.
     */
    synchronized void dropGraphs() {
        if (closed || graphs == null) {
            return;
        }
        cudaStreamSynchronize(stream);
        graphs.clear();
    }

    /** Frees the context, stream and memory; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!stream.isNull()) {
            cudaStreamSynchronize(stream);
        }
        if (graphs != null) {
            graphs.close(); // graphs reference the context's memory: destroy them first
        }
        NativeDelete.delete(context);
        if (!stream.isNull()) {
            cudaStreamDestroy(stream);
            stream.setNull();
        }
        if (done != null && !done.isNull()) {
            cudaEventDestroy(done);
            done.setNull();
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
