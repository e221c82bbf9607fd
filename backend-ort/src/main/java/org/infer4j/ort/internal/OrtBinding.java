package org.infer4j.ort.internal;

import ai.onnxruntime.OnnxTensor;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.infer4j.Binding;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.spi.AsyncRequest;
import org.infer4j.spi.CloseGuard;

/**
 * A binding that keeps ONNX Runtime views of its input and output tensors, so a steady-state
 * {@link #run()} creates no tensors: ONNX Runtime reads the inputs and writes the outputs in place.
 * Outputs the caller did not give are allocated from the first run's shapes, owned here, and
 * written in place from the second run on.
 *
 * <p>Pinning is optimistic: every output is taken to keep its shape until a run shows otherwise.
 * A run that gives a pinned output another shape (NonZero's, say, whose shape follows the input
 * values) is one ONNX Runtime refuses; {@link OrtEngine#runPinned} then runs it again letting
 * ONNX Runtime allocate, and the binding keeps that run's values. An owned output whose shape
 * changed is from then on data-dependent: allocated by ONNX Runtime on every run and copied into
 * the binding's tensor for it, which {@link #output(String)} returns. That tensor is kept while
 * the shape stays the same and replaced by a new one, the old one being closed, when a run
 * produces another shape. The other outputs stay pinned. A tensor the caller gave stays pinned
 * and must have the shape each run produces, else {@link #run()} throws
 * {@link org.infer4j.InvalidInputException} naming the output and both shapes.
 */
final class OrtBinding implements Binding {
    private final OrtEngine engine;
    private final Map<String, Tensor> inputs;
    private final Map<String, OnnxTensor> inputViews;
    /** The caller's outputs and the ones owned here, once a run made them. */
    private final Map<String, Tensor> outputs;
    /** The outputs ONNX Runtime writes in place. */
    private final Map<String, OnnxTensor> outputViews = new LinkedHashMap<>();
    private final Map<String, Tensor> owned = new LinkedHashMap<>();
    /** Owned outputs a run gave another shape: never pinned again. */
    private final Set<String> dataDependent = new HashSet<>();
    private final OrtEngine.Produced produced = new OrtEngine.Produced() {
        @Override
        public void reshaped(Map<String, Shape> changed) {
            for (Map.Entry<String, Shape> e : changed.entrySet()) {
                if (!owned.containsKey(e.getKey())) {
                    // only bound outputs are pinned, so it has one
                    Tensor given = Objects.requireNonNull(outputs.get(e.getKey()));
                    throw OrtEngine.reshapedOutput(e.getKey(), e.getValue(), given.shape());
                }
            }
        }

        @Override
        public void accept(String name, OnnxTensor value) {
            take(name, value);
        }
    };
    /** Made once: a lambda per call would allocate. */
    private final Runnable runPinned = this::runPinned;
    /**
     * Lets close wait for a run in flight on another thread: the views and owned outputs it frees
     * are memory ONNX Runtime reads and writes during the run (freed malloc memory, since tensors
     * free their direct buffers at close).
     */
    private final CloseGuard guard = new CloseGuard("this binding");
    /** Whether a run of {@link #runAsync()} has not finished: it owns the binding until then. */
    private final AtomicBoolean inFlight = new AtomicBoolean();

    OrtBinding(OrtEngine engine, Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        this.engine = engine;
        this.inputs = new LinkedHashMap<>(inputs);
        this.outputs = new LinkedHashMap<>(outputs);
        this.inputViews = engine.views(inputs);
        try {
            outputViews.putAll(engine.views(outputs));
        } catch (RuntimeException e) {
            inputViews.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    /**
     * Runs with the pinned outputs written in place. ONNX Runtime allocates the others: on the
     * first run the outputs the binding owns, which it then pins, and on every run the
     * data-dependent ones.
     *
     * @throws org.infer4j.InvalidInputException if this run produces an output the caller gave a
     *         tensor for in another shape than that tensor's
     */
    @Override
    public void run() {
        guard.enter();
        try {
            if (inFlight.get()) {
                throw inFlightError();
            }
            runNow();
        } finally {
            guard.exit();
        }
    }

    /**
     * Runs on one of the engine's worker threads, as {@link #run()} does; holds the binding open from
     * here until the run finishes, so that close waits for it, queued or running.
     */
    @Override
    public CompletableFuture<Void> runAsync() {
        guard.enter();
        if (!inFlight.compareAndSet(false, true)) {
            guard.exit();
            throw inFlightError();
        }
        try {
            AsyncRequest<Void> request = engine.later(this::runNow);
            request.whenFinishing(() -> {
                inFlight.set(false);
                guard.exit();
            });
            return request;
        } catch (RuntimeException e) {
            inFlight.set(false);
            guard.exit();
            throw e;
        }
    }

    private static IllegalStateException inFlightError() {
        return new IllegalStateException("a run of this binding is in flight; wait for the future of runAsync() before "
                + "running it again, or use a second binding to overlap runs");
    }

    /** Runs inside the close guard, entered by the caller. */
    private void runNow() {
        requireOpen("input", inputs);
        requireOpen("output", outputs);
        engine.guarded(runPinned);
    }

    private void runPinned() {
        engine.runPinned(inputViews, outputViews, produced);
    }

    /**
     * Takes an output ONNX Runtime allocated: into the tensor for it if that has its shape, else
     * into a new one owned here, pinned unless the output is data-dependent. An owned output that
     * already had a tensor of another shape becomes data-dependent.
     */
    private void take(String name, OnnxTensor value) {
        Tensor current = outputs.get(name);
        boolean mine = owned.containsKey(name);
        if (current != null && (!mine || current.shape().equals(Shape.of(value.getInfo().getShape())))) {
            OrtEngine.copyProduced(name, value, current);
            return;
        }
        if (current != null) {
            dataDependent.add(name);
            OnnxTensor view = outputViews.remove(name);
            if (view != null) {
                view.close();
            }
        }
        Tensor fresh = OrtTypes.copyOf(value);
        if (!dataDependent.contains(name)) {
            try {
                outputViews.put(name, engine.views(Map.of(name, fresh)).get(name));
            } catch (RuntimeException e) {
                fresh.close();
                throw e;
            }
        }
        owned.put(name, fresh);
        outputs.put(name, fresh);
        if (current != null) {
            current.close();
        }
    }

    /** The outputs ONNX Runtime writes in place on the next run. */
    Set<String> writtenInPlace() {
        return Set.copyOf(outputViews.keySet());
    }

    @Override
    public Tensor input(String name) {
        ensureOpen();
        Tensor t = inputs.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no input named '" + name + "'; inputs are " + inputs.keySet());
        }
        return t;
    }

    /**
     * The output called {@code name}. For an output the binding owns, the same tensor from run to
     * run while its shape stays the same; a run that produces another shape replaces it and closes
     * the tensor returned before.
     */
    @Override
    public Tensor output(String name) {
        ensureOpen();
        Tensor t = outputs.get(name);
        if (t == null) {
            throw new IllegalStateException(engine.outputs().stream().anyMatch(o -> o.name().equals(name))
                    ? "output '" + name + "' is allocated by the first run(); call run() first"
                    : "no output named '" + name + "'; outputs are " + engine.outputs());
        }
        return t;
    }

    @Override
    public void close() {
        if (guard.close()) {
            inputViews.values().forEach(OnnxTensor::close);
            outputViews.values().forEach(OnnxTensor::close);
            owned.values().forEach(Tensor::close);
        }
    }

    /**
     * The views hand ONNX Runtime the tensors' memory, which a closed tensor has freed: running on
     * it would read or write freed native memory.
     */
    private static void requireOpen(String role, Map<String, Tensor> bound) {
        for (Map.Entry<String, Tensor> e : bound.entrySet()) {
            if (e.getValue().isClosed()) {
                throw new IllegalStateException("bound " + role + " '" + e.getKey() + "' (" + e.getValue().describe()
                        + ") was closed, and its memory with it; close the binding and bind open tensors");
            }
        }
    }

    private void ensureOpen() {
        guard.ensureOpen();
    }
}
