package org.infer4j;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A loaded model on one backend and device. Make one with {@link #builder()}.
 *
 * <pre>{@code
 * try (InferenceEngine engine = InferenceEngine.builder().model(path).backend("ort-cuda").build();
 *      Tensor x = Tensor.of(pixels, 1, 3, 224, 224);
 *      Outputs out = engine.run(Map.of("input", x))) {
 *     float[] logits = out.get("output").toFloatArray();
 * }
 * }</pre>
 *
 * <p><b>Thread safety.</b> {@link #run} and {@link #runAsync} may be called from many threads at
 * once; each backend says how it serves them (ONNX Runtime sessions are re-entrant; TensorRT uses a
 * pool of execution contexts). {@link Binding}s are single-threaded. {@link #close()} waits for
 * calls in flight and makes later calls throw {@link IllegalStateException}; it is idempotent.
 *
 * <p><b>Asynchronous calls.</b> {@link #runAsync} returns at once with a future (see its
 * documentation for cancellation, back-pressure and close). On {@code tensorrt} the requests in
 * flight are pipelined on the GPU: while one computes, the next one's inputs are uploaded and the
 * previous one's outputs downloaded, each on an execution context of its own.
 */
public interface InferenceEngine extends AutoCloseable {

    /** A builder with the automatic backend choice, device 0 and FP32. */
    static EngineBuilder builder() {
        return new EngineBuilder();
    }

    /** The name of the backend running this engine, e.g. {@code ort-cuda}. */
    String backend();

    /** The model's inputs, in model order. */
    List<TensorInfo> inputs();

    /** The model's outputs, in model order. */
    List<TensorInfo> outputs();

    /**
     * Runs the model and returns new output tensors, which the caller closes.
     *
     * @param inputs one tensor per model input, by name
     * @throws InvalidInputException for a missing or unknown name, or a wrong element type or shape
     */
    Outputs run(Map<String, ? extends Tensor> inputs);

    /**
     * Runs the model asynchronously: queues the call and returns at once. The future completes
     * with new output tensors, which the caller closes, or exceptionally with the exception
     * {@link #run(Map)} would throw ({@link java.util.concurrent.CompletableFuture#join()} wraps it
     * in a {@link java.util.concurrent.CompletionException}, {@code get()} in an
     * {@link java.util.concurrent.ExecutionException}): {@link InvalidInputException} for inputs
     * that do not fit the model, {@link EngineClosedException} if the engine closed before the
     * request started.
     *
     * <p><b>Inputs</b> are read when the request runs, not when it is queued: do not write to or
     * close them until the future completes (or {@code cancel} returned true).
     *
     * <p><b>Cancellation.</b> {@code cancel} on the returned future stops a request that is still
     * queued: it never runs, the future completes with a
     * {@link java.util.concurrent.CancellationException}, and {@code cancel} returns true. A request
     * that has started runs to the end (its GPU work may be enqueued already): {@code cancel}
     * returns false and the future completes as usual.
     *
     * <p><b>Back-pressure.</b> At most {@link EngineBuilder#maxInFlight} requests are accepted and
     * not finished per engine; beyond that this method waits for one to finish.
     *
     * <p><b>Close.</b> {@link #close()} fails queued requests with {@link EngineClosedException},
     * waits for running ones to complete, and only then frees native memory. Futures complete on the
     * engine's own threads: keep callbacks short, and never close the engine from one of them
     * without an {@code ...Async} variant of the callback ({@code close} then throws
     * {@link IllegalStateException} where it would wait for itself).
     *
     * @param inputs one tensor per model input, by name
     * @return the future outputs
     * @throws IllegalStateException if the engine is closed
     * @throws InferenceException if the calling thread is interrupted while waiting for room among the
     *         requests in flight
     */
    CompletableFuture<Outputs> runAsync(Map<String, ? extends Tensor> inputs);

    /**
     * Runs the model writing into the caller's output tensors, which must have the output's element
     * type and the shape this call produces. Outputs left out of the map are computed and discarded.
     */
    void run(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs);

    /** Binds inputs for repeated runs; the binding allocates every output on its first run. */
    Binding bind(Map<String, ? extends Tensor> inputs);

    /** Binds inputs and the caller's outputs for repeated runs. */
    Binding bind(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs);

    /**
     * A new host tensor for the input or output {@code name} with the given shape, in the memory
     * this backend reads and writes fastest (page-locked memory for GPU backends that support it).
     *
     * @throws InvalidInputException if no input or output has that name or the shape does not fit it
     */
    Tensor allocate(String name, long... shape);

    /**
     * The shapes input {@code name} may take on this engine, when it is compiled for a range
     * (TensorRT's optimisation profile, from {@link EngineBuilder#shapeRange} or defaults): shapes
     * outside it are refused. Empty, the default, when the engine takes every shape the model accepts.
     *
     * @param name an input's name
     * @return the range, or empty
     * @throws IllegalArgumentException if the model has no input called {@code name}
     */
    default Optional<ShapeRange> shapeRange(String name) {
        if (inputs().stream().noneMatch(i -> i.name().equals(name))) {
            throw new IllegalArgumentException("no input named '" + name + "'; inputs are " + inputs());
        }
        return Optional.empty();
    }

    /**
     * What the engine has been doing, for monitoring and benchmarks: counters such as CUDA graph
     * captures and replays, and notes such as why an optimisation does not apply. The default is empty.
     */
    default EngineStats stats() {
        return EngineStats.EMPTY;
    }

    /** Releases the engine's native resources; waits for calls in flight; idempotent. */
    @Override
    void close();
}
