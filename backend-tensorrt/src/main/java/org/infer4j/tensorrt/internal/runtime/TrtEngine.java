package org.infer4j.tensorrt.internal.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.infer4j.Binding;
import org.infer4j.EngineStats;
import org.infer4j.InferenceException;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.spi.AbstractInferenceEngine;
import org.infer4j.spi.AsyncRequest;
import org.infer4j.tensorrt.TensorRtEngine;
import org.infer4j.tensorrt.internal.build.ProfilePlan;
import org.infer4j.tensorrt.internal.nativeinterop.NativeDelete;
import org.infer4j.tensorrt.internal.onnx.OnnxModelInfo;
import org.infer4j.tensorrt.spi.GraphRunner;
import org.jspecify.annotations.Nullable;

/**
 * A deserialised TensorRT engine with a pool of execution slots. {@code run} borrows a slot
 * (waiting while all are busy), so calls from many threads run concurrently on separate streams.
 * It borrows the slot returned last, so that one caller at a time keeps to one context: TensorRT
 * runs every context of an engine slower once two or three of them have run, and a
 * first-in-first-out pool would hand a lone caller each of its contexts in turn. For the same reason a binding holds a slot
 * of its own while it is open and hands it back on close, for the next binding: slots for bindings
 * are made only while every earlier one is in use, and never destroyed before the engine is. The
 * engine owns the runtime, the engine and every slot, and frees them on close after calls in
 * flight have returned. Thread-safe.
 *
 * <p><b>Asynchronous calls</b> are pipelined: one launching thread per pool slot borrows a slot,
 * stages the inputs and enqueues upload, inference and download on the slot's stream, and hands
 * the slot to the {@link Completer}, which waits for it, copies the outputs out and returns the
 * slot to the pool. With two or more slots the GPU thus has the next request's upload and the
 * previous one's download to run beside the current one's compute, each slot with its own stream
 * and page-locked staging memory.
 */
public final class TrtEngine extends AbstractInferenceEngine implements TensorRtEngine {
    private final String modelName;
    private final int device;
    private final IRuntime runtime;
    private final ICudaEngine engine;
    private final ProfilePlan plan;
    private final BlockingDeque<ExecutionSlot> pool;
    private final List<ExecutionSlot> slots = new ArrayList<>();
    private final Set<TrtBinding> bindings = ConcurrentHashMap.newKeySet();
    /** Binding slots no open binding holds, most recently handed back first. */
    private final Deque<ExecutionSlot> idleBindingSlots = new ConcurrentLinkedDeque<>();
    private final AtomicInteger bindingSlotsMade = new AtomicInteger();
    private final EngineStats baseStats;
    private final GraphSupport graphSupport;
    private final boolean blockingSync;
    private final long zeroCopyLimit;
    private final @Nullable Path calibrationTable;
    private final AtomicInteger slotNumbers = new AtomicInteger();
    private final int poolSize;
    private final Object completerLock = new Object();
    /** The outputs, readable while the engine closes: asynchronous completions run after close has begun. */
    private final List<TensorInfo> outputInfos;
    private volatile @Nullable Completer completer;

    /**
     * An engine serving {@code engine} from {@code poolSize} execution contexts. Takes ownership of
     * {@code runtime} and {@code engine}, also when this constructor throws.
     *
     * @param backend the backend's name, which {@link #backend()} reports
     * @param modelName the model's name, for exception messages and graph owners
     * @param device the CUDA device the engine was deserialised on
     * @param runtime the TensorRT runtime that deserialised {@code engine}
     * @param engine the deserialised engine
     * @param model the model's inputs and outputs, as read from its bytes
     * @param plan the optimisation profile the engine was built with, which sizes the device buffers
     * @param poolSize how many execution contexts {@code run} calls share
     * @param stats the counters and notes of the engine's start, to which {@link #stats()} adds
     * @param graphSupport whether contexts replay CUDA graphs
     * @param blockingSync whether a call sleeps on an event until the GPU is done, rather than polling
     * @param zeroCopyLimit host tensors up to this many bytes are read and written in place by the GPU
     * @param maxInFlight the most asynchronous requests the engine accepts and has not finished
     * @param calibrationTable the stored INT8 calibration table the engine was built with, or null
     * @throws org.infer4j.ModelLoadException if an input's or output's type differs between the model and the engine
     * @throws org.infer4j.InferenceException if CUDA cannot make a context's stream or buffers
     */
    public TrtEngine(String backend, String modelName, int device, IRuntime runtime, ICudaEngine engine, OnnxModelInfo model, ProfilePlan plan,
              int poolSize, EngineStats stats, GraphSupport graphSupport, boolean blockingSync,
              long zeroCopyLimit, int maxInFlight, @Nullable Path calibrationTable) {
        super(backend, modelName, model.inputs(), model.outputs(), maxInFlight);
        this.outputInfos = List.copyOf(model.outputs());
        this.poolSize = poolSize;
        this.modelName = modelName;
        this.device = device;
        this.runtime = runtime;
        this.engine = engine;
        this.plan = plan;
        this.baseStats = stats;
        this.graphSupport = graphSupport;
        this.blockingSync = blockingSync;
        this.zeroCopyLimit = zeroCopyLimit;
        this.calibrationTable = calibrationTable;
        this.pool = new LinkedBlockingDeque<>(poolSize);
        try {
            checkTypes(model);
            for (int i = 0; i < poolSize; i++) {
                ExecutionSlot slot = newSlot(false);
                slots.add(slot);
                pool.add(slot);
            }
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    private void checkTypes(OnnxModelInfo model) {
        List<TensorInfo> all = new ArrayList<>(model.inputs());
        all.addAll(model.outputs());
        for (TensorInfo info : all) {
            var type = ExecutionSlot.engineType(engine, info.name());
            if (type != info.elementType()) {
                throw new org.infer4j.ModelLoadException("'" + info.name() + "' of " + modelName + " is " + info.elementType()
                        + " in the model but " + (type == null ? "an unsupported type" : type) + " in the TensorRT engine; "
                        + "cast it in the model or use ort-cuda");
            }
        }
    }

    /** A new execution slot, with a graph runner of its own when graphs are on; {@code fixed}: for a binding. */
    ExecutionSlot newSlot(boolean fixed) {
        String owner = modelName + " context " + slotNumbers.incrementAndGet() + (fixed ? " (binding)" : "");
        return new ExecutionSlot(engine, modelName, device, inputs(), outputs(), plan, graphSupport.newRunner(owner), fixed,
                blockingSync, zeroCopyLimit);
    }

    @Override
    protected Outputs execute(Map<String, ? extends Tensor> inputs) {
        ExecutionSlot slot = borrow();
        Tensor[] fresh = new Tensor[outputInfos.size()];
        try {
            allocateOutputs(slot.prepare(inputs), fresh);
            slot.run(inputs, Map.of(), fresh);
            return outputsOf(fresh);
        } catch (RuntimeException e) {
            closeAll(fresh);
            throw e;
        } finally {
            pool.addFirst(slot);
        }
    }

    /** One launching thread per pool slot, so that every slot can have a request in flight. */
    @Override
    protected int asyncThreads() {
        return poolSize;
    }

    /**
     * Launches the request on a pool slot and returns; the {@link Completer} finishes it. Waits
     * for a free slot first, so a request counts as started while it waits.
     */
    @Override
    protected void startAsync(Map<String, ? extends Tensor> inputs, AsyncRequest<Outputs> request) {
        checkDevice(inputs);
        ExecutionSlot slot = borrow();
        Tensor[] fresh = new Tensor[outputInfos.size()];
        try {
            allocateOutputs(slot.prepare(inputs), fresh);
            slot.bind(inputs, Map.of(), fresh);
            try {
                slot.launch();
            } catch (RuntimeException e) {
                slot.drain();
                throw e;
            }
        } catch (RuntimeException e) {
            closeAll(fresh);
            pool.addFirst(slot);
            throw e;
        }
        completer().add(slot, request, failure -> {
            pool.addFirst(slot);
            // every path ends the request: one left running would hold the engine's close() forever
            if (failure != null) {
                closeAll(fresh);
                request.fail(failure);
                return;
            }
            Outputs done;
            try {
                done = outputsOf(fresh);
            } catch (RuntimeException e) {
                closeAll(fresh);
                request.fail(e);
                return;
            }
            request.succeed(done);
        });
    }

    /** The completion thread of asynchronous calls, started on first use. */
    Completer completer() {
        Completer c = completer;
        if (c != null) {
            return c;
        }
        synchronized (completerLock) {
            if (completer == null) {
                completer = new Completer(asyncExecutor(), device);
            }
            return completer;
        }
    }

    /** Fills {@code fresh} with new host tensors of the outputs' shapes; on failure the caller closes those made. */
    private void allocateOutputs(Shape[] shapes, Tensor[] fresh) {
        for (int i = 0; i < fresh.length; i++) {
            fresh[i] = Tensor.allocate(outputInfos.get(i).elementType(), shapes[i].toArray());
        }
    }

    private Outputs outputsOf(Tensor[] fresh) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (int i = 0; i < fresh.length; i++) {
            byName.put(outputInfos.get(i).name(), fresh[i]);
        }
        return Outputs.of(byName);
    }

    private static void closeAll(Tensor[] tensors) {
        for (Tensor t : tensors) {
            if (t != null) {
                t.close();
            }
        }
    }

    @Override
    protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        checkDevice(inputs);
        checkDevice(outputs);
        ExecutionSlot slot = borrow();
        try {
            slot.run(inputs, outputs, null);
        } finally {
            pool.addFirst(slot);
        }
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out) {
        enterCall();
        try {
            checkInputs(in);
            checkOutputs(out);
            checkDevice(in);
            checkDevice(out);
            TrtBinding binding = new TrtBinding(this, takeBindingSlot(), in, out);
            bindings.add(binding);
            return binding;
        } finally {
            exitCall();
        }
    }

    @Override
    protected Tensor allocateHost(TensorInfo info, Shape shape) {
        return new PinnedHostTensor(info.elementType(), shape);
    }

    @Override
    public Map<String, Shape> outputShapes(Map<String, ? extends Tensor> in) {
        enterCall();
        try {
            checkInputs(in);
            checkDevice(in);
            ExecutionSlot slot = borrow();
            try {
                Shape[] shapes = slot.prepare(in);
                Map<String, Shape> byName = new LinkedHashMap<>();
                for (int i = 0; i < shapes.length; i++) {
                    byName.put(outputInfos.get(i).name(), shapes[i]);
                }
                return Collections.unmodifiableMap(byName);
            } finally {
                pool.addFirst(slot);
            }
        } finally {
            exitCall();
        }
    }

    /** The optimisation profile's range for the input: what this engine was built for. */
    @Override
    public Optional<ShapeRange> shapeRange(String name) {
        if (inputs().stream().noneMatch(i -> i.name().equals(name))) {
            throw new IllegalArgumentException("no input named '" + name + "'; inputs are " + inputs());
        }
        return Optional.of(plan.range(name));
    }

    @Override
    public Optional<Path> calibrationTable() {
        return Optional.ofNullable(calibrationTable);
    }

    @Override
    public Tensor allocateDevice(String name, long... shape) {
        Tensor probe = allocate(name, shape); // validates name and shape against the model
        probe.close();
        TensorInfo info = inputs().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseGet(() -> outputs().stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow());
        return new DeviceTensor(info.elementType(), Shape.of(shape), device);
    }

    /** An idle binding slot, or a new one when every binding slot is held by an open binding. */
    private ExecutionSlot takeBindingSlot() {
        ExecutionSlot idle = idleBindingSlots.pollFirst();
        if (idle != null) {
            return idle;
        }
        ExecutionSlot made = newSlot(true);
        synchronized (slots) {
            slots.add(made);
        }
        bindingSlotsMade.incrementAndGet();
        return made;
    }

    @Override
    public EngineStats stats() {
        Map<String, Long> counters = new LinkedHashMap<>(baseStats.counters());
        counters.put("tensorrt.bindingContexts", (long) bindingSlotsMade.get());
        List<String> notes = new ArrayList<>(baseStats.notes());
        if (graphSupport.enabled()) {
            List<GraphRunner.Stats> all = new ArrayList<>();
            synchronized (slots) {
                for (ExecutionSlot slot : slots) {
                    all.add(slot.graphStats());
                }
            }
            GraphSupport.aggregate(all, counters, notes);
        }
        return new EngineStats(counters, notes);
    }

    void enter() {
        enterCall();
    }

    void exit() {
        exitCall();
    }

    /**
     * Called by a closing binding, or one whose constructor failed, with the slot it held: the next
     * binding gets it. After the engine closed, the slot is closed already and nobody takes it.
     */
    void handBack(TrtBinding binding, ExecutionSlot slot) {
        bindings.remove(binding);
        slot.dropGraphs();
        idleBindingSlots.addFirst(slot);
    }

    private void checkDevice(Map<String, ? extends Tensor> tensors) {
        for (Map.Entry<String, ? extends Tensor> e : tensors.entrySet()) {
            if (e.getValue() instanceof DeviceTensor d && d.device() != device) {
                throw new InvalidInputException("'" + e.getKey() + "' is on CUDA device " + d.device() + " but this engine runs on "
                        + "device " + device + "; copy it through a host tensor or allocate it with this engine");
            }
            if (e.getValue().location() == org.infer4j.MemoryLocation.DEVICE && !(e.getValue() instanceof DeviceTensor)) {
                throw new InvalidInputException("'" + e.getKey() + "' is device memory of another backend; the tensorrt backend "
                        + "takes device tensors made by TensorRtEngine.allocateDevice");
            }
        }
    }

    private ExecutionSlot borrow() {
        try {
            return pool.takeFirst();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException("interrupted while waiting for a free TensorRT execution context of " + modelName, e);
        }
    }

    /** Runs once nothing is in flight: bindings first (they hold slots), then the completer, slots, engine, runtime. */
    @Override
    protected void release() {
        for (TrtBinding b : List.copyOf(bindings)) {
            b.close();
        }
        Completer c = completer;
        if (c != null) {
            c.stop();
        }
        synchronized (slots) {
            for (ExecutionSlot slot : slots) {
                slot.close();
            }
            slots.clear();
        }
        pool.clear();
        idleBindingSlots.clear();
        NativeDelete.delete(engine);
        NativeDelete.delete(runtime);
    }
}
