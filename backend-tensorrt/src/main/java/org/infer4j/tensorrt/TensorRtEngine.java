package org.infer4j.tensorrt;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.infer4j.InferenceEngine;
import org.infer4j.Shape;
import org.infer4j.Tensor;

/**
 * An {@link InferenceEngine} of the {@code tensorrt} backend: cast to it for tensors in GPU memory.
 *
 * <pre>{@code
 * TensorRtEngine trt = (TensorRtEngine) engine;
 * try (Tensor x = trt.allocateDevice("input", 1, 3, 224, 224)) {
 *     x.copyFrom(hostPixels);                                    // explicit upload
 *     trt.run(Map.of("input", x), Map.of("output", deviceOut));  // no host round trip
 * }
 * }</pre>
 *
 * <p>Device tensors given as inputs or outputs are read and written in place by TensorRT: the
 * engine binds their addresses instead of copying. Pipelines chain engines (on the same device)
 * by passing one engine's device output as the next one's input.
 *
 * <p><b>Thread safety.</b> {@code run} may be called from many threads: each call borrows an
 * execution context (its own CUDA stream and device buffers) from a pool of
 * {@link TensorRtSettings#contextPoolSize()} and waits for one when all are busy. A
 * {@link org.infer4j.Binding} owns its own execution context and belongs to one thread.
 *
 * <p><b>Bindings and contexts.</b> While it is open, a binding has an execution context, CUDA
 * stream and graphs of its own. On close, the context and stream go back to the engine, which
 * gives them to the next binding and frees them when it closes itself; the graphs are destroyed,
 * since they bake in the binding's tensors. Contexts are reused because making one costs
 * milliseconds and because TensorRT runs every context of an engine slower once several of them
 * have run (docs/performance.md).
 *
 * <p><b>CUDA graphs</b> ({@code EngineBuilder.cudaGraphs(true)} with
 * {@code org.infer4j:backend-cuda-graphs}): a graph bakes in the device addresses it was captured
 * with, so device tensors must keep theirs between calls; bind them once, or pass the same tensors
 * (see the package documentation).
 */
public interface TensorRtEngine extends InferenceEngine {

    /**
     * A zero-filled tensor in GPU memory on this engine's device, for the input or output {@code name}.
     * Copy host data in and out with {@link Tensor#copyFrom(Tensor)}; close it to free the memory.
     *
     * @throws org.infer4j.InvalidInputException if no input or output has that name or the shape does not fit it
     */
    Tensor allocateDevice(String name, long... shape);

    /**
     * The shape of every output, in the model's order, for these inputs: what device outputs must
     * be allocated with before binding them. TensorRT infers the shapes on a pool context without
     * running the engine, so only the inputs' shapes are read, not their values, and no output
     * memory is needed. Waits for a pool context like {@code run}.
     *
     * @throws org.infer4j.InvalidInputException if an input is missing, unknown, of the wrong type, or
     *         of a shape outside the engine's profile
     * @throws org.infer4j.InferenceException if an output's shape depends on the inputs' values
     */
    Map<String, Shape> outputShapes(Map<String, ? extends Tensor> inputs);

    /**
     * The INT8 calibration table this engine's scales came from, in {@link TensorRtSettings#cacheDirectory()}:
     * the file {@code ort-tensorrt} runs INT8 with ({@code OrtSettings.int8CalibrationTable} takes it where the
     * cache directory is not the default one).
     *
     * @return the table file; empty unless the engine is an INT8 engine calibrated by infer4j whose table could
     *         be stored
     */
    Optional<Path> calibrationTable();
}
