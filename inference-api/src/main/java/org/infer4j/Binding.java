package org.infer4j;

import java.util.concurrent.CompletableFuture;

/**
 * Inputs and outputs bound to an engine once, for a steady-state loop that allocates nothing of
 * infer4j's own: write new values into the input tensors (through {@link Tensor#buffer()}), call
 * {@link #run()}, read the outputs, repeat. Backends prepare whatever they can at bind time (native
 * tensor views, device addresses, captured CUDA graphs), so a {@code run()} only executes. What a
 * run still allocates is the native library's binding's: on ONNX Runtime, its Java API allocates a
 * few hundred bytes per run (README: "Threading, memory and errors").
 *
 * <p>Outputs the caller did not supply are allocated by the binding on its first run, owned by it,
 * and closed with it; the caller's own tensors are never closed by it. Input shapes are fixed for
 * the life of a binding: bind again for another shape.
 *
 * <p>An output whose shape depends on the input values and not only on their shapes (NonZero's,
 * say: the ONNX Runtime backends run such models, {@code tensorrt} refuses them when building)
 * can change shape from run to run. {@link #output(String)} returns the latest run's tensor for
 * it: one the binding owns stays the same tensor while the shape stays the same and is replaced,
 * the earlier one being closed, when a run produces another shape. A tensor the caller supplied
 * for such an output must have the shape each run produces, else {@link #run()} throws
 * {@link InvalidInputException} naming the output and both shapes.
 *
 * <p>Not thread-safe: one binding per thread. Close it before closing its engine.
 */
public interface Binding extends AutoCloseable {

    /** Runs the engine on the bound inputs, writing the bound outputs; returns when they are complete. */
    void run();

    /**
     * Starts a run of the bound inputs and returns at once; the future completes when the outputs
     * are written (or exceptionally, with what {@link #run()} would throw, or
     * {@link EngineClosedException} if the engine closed before the run started). A binding has at
     * most one run in flight: until the future completes, do not touch its tensors, and
     * {@link #run()} or {@code runAsync()} throws {@link IllegalStateException}. To overlap runs,
     * use two bindings and alternate. {@link #close()} waits for a run in flight, queued or running.
     *
     * <p>The default runs {@link #run()} on the calling thread and returns a completed future, for
     * bindings of backends without asynchronous execution; the backends shipped with infer4j run
     * it on the engine's threads ({@code tensorrt}: launched on the binding's CUDA stream before
     * this returns, completed by the engine's completion thread).
     *
     * @return the future of this run, completing with {@code null}
     * @throws IllegalStateException if the binding is closed or a run is in flight
     */
    default CompletableFuture<Void> runAsync() {
        try {
            run();
            return CompletableFuture.completedFuture(null);
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The bound input called {@code name}. */
    Tensor input(String name);

    /**
     * The output called {@code name}, after the first {@link #run()} if the binding allocates it;
     * for an output whose shape depends on the input values, the latest run's tensor.
     */
    Tensor output(String name);

    /** Releases what the binding owns; idempotent. */
    @Override
    void close();
}
