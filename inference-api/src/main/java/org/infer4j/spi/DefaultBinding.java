package org.infer4j.spi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * A binding for any engine: the first run learns the output shapes by letting the engine allocate,
 * keeps those tensors, and every later run writes into them through
 * {@link InferenceEngine#run(Map, Map)}. {@link #runAsync()} runs it on the engine's worker threads.
 */
final class DefaultBinding implements Binding {
    private final AbstractInferenceEngine engine;
    private final Map<String, Tensor> inputs;
    private final Map<String, Tensor> outputs;
    private final List<Tensor> owned = new ArrayList<>();
    /** Lets close wait for a run on a worker thread instead of freeing the outputs under it. */
    private final CloseGuard guard = new CloseGuard("this binding");
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private boolean complete;

    DefaultBinding(AbstractInferenceEngine engine, Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        this.engine = engine;
        this.inputs = Map.copyOf(inputs);
        this.outputs = new LinkedHashMap<>(outputs);
        this.complete = outputs.size() == engine.outputs().size();
    }

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

    /** Holds the binding open from here until the run finishes, so that close waits for it, queued or running. */
    @Override
    public CompletableFuture<Void> runAsync() {
        guard.enter();
        if (!inFlight.compareAndSet(false, true)) {
            guard.exit();
            throw inFlightError();
        }
        try {
            AsyncRequest<Void> request = engine.runLater(this::runNow);
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

    /** Runs inside the close guard, entered by the caller. */
    private void runNow() {
        if (complete) {
            engine.run(inputs, outputs);
            return;
        }
        try (Outputs first = engine.run(inputs)) {
            for (TensorInfo info : engine.outputs()) {
                Tensor produced = first.get(info.name());
                Tensor mine = outputs.get(info.name());
                if (mine != null) {
                    mine.copyFrom(produced);
                } else {
                    Tensor keep = engine.allocate(info.name(), produced.shape().toArray());
                    keep.copyFrom(produced);
                    owned.add(keep);
                    outputs.put(info.name(), keep);
                }
            }
        }
        complete = true;
    }

    @Override
    public Tensor input(String name) {
        guard.ensureOpen();
        Tensor t = inputs.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no input named '" + name + "'; inputs are " + inputs.keySet());
        }
        return t;
    }

    @Override
    public Tensor output(String name) {
        guard.ensureOpen();
        Tensor t = outputs.get(name);
        if (t == null) {
            throw new IllegalStateException(complete || engine.outputs().stream().noneMatch(o -> o.name().equals(name))
                    ? "no output named '" + name + "'; outputs are " + engine.outputs()
                    : "output '" + name + "' is allocated by the first run(); call run() first");
        }
        return t;
    }

    /** Waits for a run in flight, queued or running, then closes the outputs this binding allocated. */
    @Override
    public void close() {
        if (guard.close()) {
            owned.forEach(Tensor::close);
        }
    }

    private static IllegalStateException inFlightError() {
        return new IllegalStateException("a run of this binding is in flight; wait for the future of runAsync() before "
                + "running it again, or use a second binding to overlap runs");
    }
}
