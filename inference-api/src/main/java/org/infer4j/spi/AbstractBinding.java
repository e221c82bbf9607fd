package org.infer4j.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * The part of a {@link Binding} that is the same for every backend: the bound tensors and their
 * lookup, at most one run in flight, and a close that waits for that run before the subclass frees
 * what it owns. A backend supplies how to run ({@link #execute()}), how to start a run
 * asynchronously ({@link #submit()}) and what to free ({@link #release()}).
 *
 * <p>{@link #run()} adds two atomic operations and a volatile read to {@link #execute()} and
 * allocates nothing, so a backend whose {@code execute()} allocates nothing keeps a steady-state
 * loop free of allocation.
 *
 * <p>Thread-safety: as {@link Binding} documents, one thread runs a binding; {@link #close()} may
 * come from another thread while a run is in flight, and waits for it.
 */
public abstract class AbstractBinding implements Binding {
    private final Map<String, Tensor> inputs;
    private final Map<String, Tensor> outputs;
    private final List<TensorInfo> declaredOutputs;
    /** Lets close wait for a run in flight, on this thread or another, instead of freeing under it. */
    private final CloseGuard guard = new CloseGuard("this binding");
    /** Whether a run started by {@link #runAsync()} has not finished: the tensors are its until then. */
    private final AtomicBoolean inFlight = new AtomicBoolean();
    /** Made once, so that finishing an asynchronous run allocates no action of its own. */
    private final Runnable finishAsync = this::finishAsync;

    /**
     * Binds the given tensors; the binding keeps them in the maps' iteration order.
     *
     * @param engine the engine this binding runs, whose {@link InferenceEngine#outputs()} name the
     *        outputs {@link #output(String)} knows
     * @param inputs the caller's input tensors by input name
     * @param outputs the caller's output tensors by output name; may be a subset of the engine's
     *        outputs, the subclass adding the others to {@link #outputs()}
     * @throws NullPointerException if an argument is null
     */
    protected AbstractBinding(InferenceEngine engine, Map<String, ? extends Tensor> inputs,
            Map<String, ? extends Tensor> outputs) {
        this.declaredOutputs = Objects.requireNonNull(engine, "engine").outputs();
        this.inputs = new LinkedHashMap<>(inputs);
        this.outputs = new LinkedHashMap<>(outputs);
    }

    /**
     * Runs the bound inputs once, writing the bound outputs, on the calling thread. Called by
     * {@link #run()} with the binding held open and no asynchronous run in flight; a backend's
     * {@link #submit()} may call it on a worker thread, where the binding is held open too.
     */
    protected abstract void execute();

    /**
     * Starts one asynchronous run of the bound inputs: queued on the engine's threads (for instance
     * {@code runLater(this::execute)} of {@link AbstractInferenceEngine}) or launched at once. Called
     * by {@link #runAsync()}, which holds the binding open and marks the run in flight until the
     * returned request finishes.
     *
     * @return the request of this run, finishing with {@code null} once the outputs are written
     * @throws RuntimeException if the run could not be started; nothing is then in flight
     */
    protected abstract AsyncRequest<Void> submit();

    /**
     * Frees what the binding owns (output tensors it allocated, native views, execution resources),
     * never the caller's tensors. Called once, by the first {@link #close()}, after any run in flight
     * has finished.
     */
    protected abstract void release();

    /**
     * Runs {@link #execute()} while holding the binding open.
     *
     * @throws IllegalStateException if the binding is closed or a run of {@link #runAsync()} is in
     *         flight
     */
    @Override
    public final void run() {
        guard.enter();
        try {
            if (inFlight.get()) {
                throw inFlightError();
            }
            execute();
        } finally {
            guard.exit();
        }
    }

    /**
     * Starts a run through {@link #submit()} and holds the binding open from here until that run
     * finishes, so that {@link #close()} waits for it, queued or running.
     *
     * @return the future of this run, completing with {@code null}
     * @throws IllegalStateException if the binding is closed or a run is in flight
     */
    @Override
    public final CompletableFuture<Void> runAsync() {
        guard.enter();
        if (!inFlight.compareAndSet(false, true)) {
            guard.exit();
            throw inFlightError();
        }
        try {
            AsyncRequest<Void> request = submit();
            request.whenFinishing(finishAsync);
            return request;
        } catch (RuntimeException e) {
            finishAsync();
            throw e;
        }
    }

    private void finishAsync() {
        inFlight.set(false);
        guard.exit();
    }

    private static IllegalStateException inFlightError() {
        return new IllegalStateException("a run of this binding is in flight; wait for the future of runAsync() before "
                + "running it again, or use a second binding to overlap runs");
    }

    /**
     * The bound input called {@code name}.
     *
     * @param name an input name of the engine
     * @return the caller's tensor bound to it
     * @throws IllegalArgumentException if no input of this binding has that name
     * @throws IllegalStateException if the binding is closed
     */
    @Override
    public final Tensor input(String name) {
        guard.ensureOpen();
        Tensor t = inputs.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no input named '" + name + "'; inputs are " + inputs.keySet());
        }
        return t;
    }

    /**
     * The output called {@code name}: the tensor {@link #outputs()} holds for it now.
     *
     * @param name an output name of the engine
     * @return the caller's tensor bound to it, or the one the binding allocated for it
     * @throws IllegalArgumentException if the engine has no output of that name
     * @throws IllegalStateException if the binding is closed, or allocates that output on its first
     *         run and has not run yet
     */
    @Override
    public Tensor output(String name) {
        guard.ensureOpen();
        Tensor t = outputs.get(name);
        if (t != null) {
            return t;
        }
        if (declaredOutputs.stream().anyMatch(o -> o.name().equals(name))) {
            throw new IllegalStateException("output '" + name + "' is allocated by the first run(); call run() first");
        }
        throw new IllegalArgumentException("no output named '" + name + "'; outputs are " + declaredOutputs);
    }

    /**
     * Waits for a run in flight, queued or running, then calls {@link #release()} once; later calls
     * do nothing.
     */
    @Override
    public final void close() {
        if (guard.close()) {
            release();
        }
    }

    /**
     * The bound inputs by name, in the caller's order: the binding's own map, for reading only. Not
     * wrapped in an unmodifiable view, whose iteration would allocate a wrapper per entry on every
     * run that walks it.
     *
     * @return the same map on every call, so that a hot path may iterate it or pass it on
     */
    protected final Map<String, Tensor> inputs() {
        return inputs;
    }

    /**
     * The bound outputs by name: the caller's, then the ones the subclass allocates. The live map, for
     * the subclass to add an output it allocates or replace one it allocates again in another shape;
     * {@link #output(String)} returns what it holds.
     *
     * @return the same map on every call
     */
    protected final Map<String, Tensor> outputs() {
        return outputs;
    }
}
