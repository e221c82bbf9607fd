package org.infer4j;

import java.util.List;
import java.util.Map;

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
 * <p><b>Thread safety.</b> {@link #run} may be called from many threads at once; each backend says
 * how it serves them (ONNX Runtime sessions are re-entrant; TensorRT uses a pool of execution
 * contexts). {@link Binding}s are single-threaded. {@link #close()} waits for calls in flight and
 * makes later calls throw {@link IllegalStateException}; it is idempotent.
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
