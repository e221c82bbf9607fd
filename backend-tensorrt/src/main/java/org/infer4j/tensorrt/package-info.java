/**
 * The {@code tensorrt} backend: native TensorRT 10 through JavaCPP. Tune it with
 * {@link org.infer4j.tensorrt.TensorRtSettings}; cast an engine to
 * {@link org.infer4j.tensorrt.TensorRtEngine} for tensors that stay in GPU memory.
 *
 * <p><b>Optimisation profiles.</b> TensorRT compiles one profile per dynamic input. Ranges given
 * with {@code EngineBuilder.shapeRange} are used as given, and a named dimension (ONNX
 * {@code dim_param}, e.g. {@code batch} or {@code seq}) takes the same range in every input that
 * shares the name. Any other unknown dimension gets a default, logged at INFO when the engine is
 * built: the first dimension, or one whose name contains {@code batch}, is batch-like and ranges
 * {@code 1 / 1 / 32} (min / optimal / max); every other one is sequence-like and ranges
 * {@code 1 / 128 / 512}.
 *
 * <p><b>Before parsing.</b> {@code Identity} nodes whose input is an initializer are folded away
 * (their consumers read the initializer), as ONNX Runtime does before its TensorRT provider sees
 * the graph. PyTorch's exporter writes one for every parameter equal to another; left in, TensorRT
 * runs each as a constant and a copy layer, which makes the plan larger and each enqueue slower
 * (docs/performance.md). The model file is not changed; a model with subgraphs ({@code If},
 * {@code Loop}) is parsed as it is.
 *
 * <p><b>Engine cache.</b> Serialised engines live in
 * {@link org.infer4j.tensorrt.TensorRtSettings#cacheDirectory()}, keyed by a SHA-256 digest of the
 * model bytes (not its path or modification time: a model replaced in place builds anew) and of
 * its external data files (a CRC32C of each, read at every start), GPU name and compute
 * capability, TensorRT version and every build setting; a TensorRT timing cache per GPU and
 * TensorRT version lies beside them. The cache never makes a build fail:
 * <ul>
 *   <li><i>Corruption.</i> Each file carries a header with its format version, name, length and
 *       SHA-256, checked before TensorRT sees a byte of it. A truncated, damaged or foreign file,
 *       or one written by an infer4j with another header format, is deleted with a WARN naming it,
 *       and the engine is rebuilt. So is an intact engine that TensorRT refuses to load.
 *   <li><i>An unwritable directory.</i> If the directory cannot be created or written, one WARN
 *       names it and the remedy (its permissions or free space, or another directory through
 *       {@code cacheDirectory}); the engine is built and runs uncached. Engines already in a
 *       read-only directory are still loaded.
 *   <li><i>Concurrent builds.</i> Threads or processes that build the same engine at once each
 *       write a temporary file in the directory, force it to disk and rename it into place: the
 *       last rename wins, and a reader sees a whole file or none. A temporary file left by a
 *       crash ({@code .tmp-*}) is never read and may be deleted.
 * </ul>
 *
 * <p><b>Stats.</b> {@code InferenceEngine.stats()} counts {@code tensorrt.startMillis} (build or
 * cache load), {@code tensorrt.fromCache} (1 or 0), {@code tensorrt.contexts} (the pool),
 * {@code tensorrt.bindingContexts} (contexts made for bindings: a closed binding's context serves
 * the next binding, so this is the most bindings that were open at once),
 * {@code tensorrt.layers} and {@code tensorrt.auxStreams} (the engine's layers after fusion and the
 * auxiliary streams {@code enqueueV3} uses: the CPU cost of a call grows with them), and with CUDA
 * graphs the {@code cudaGraphs.*} counters.
 *
 * <p><b>CUDA graphs.</b> With {@code EngineBuilder.cudaGraphs(true)} and
 * {@code org.infer4j:backend-cuda-graphs} on the class path, every execution context captures one
 * CUDA graph per input-shape signature on first use and replays it afterwards (at most
 * {@link org.infer4j.tensorrt.TensorRtSettings#graphCacheCapacity()} per context, least recently
 * used evicted). A graph bakes in device addresses: device tensors must keep theirs (bind them
 * once with a {@link org.infer4j.Binding}, or pass the same tensors), or each new address is a new
 * capture. A signature that cannot be captured runs without a graph, noted in the engine's stats.
 * Without that module, {@code cudaGraphs(true)} warns and runs without graphs. See that module's README.
 */
@NullMarked
package org.infer4j.tensorrt;

import org.jspecify.annotations.NullMarked;
