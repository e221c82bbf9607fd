package org.infer4j.tensorrt;

import org.infer4j.Binding;

/**
 * A {@link Binding} of the {@code tensorrt} backend: cast {@code engine.bind(...)} to it for
 * diagnostics. Thread safety as {@link Binding}.
 *
 * <p>While it is open, a binding has an execution context, CUDA stream and graphs of its own. On
 * close, the context and stream go back to the engine, which gives them to the next binding and
 * frees them when it closes itself. The graphs are destroyed, since they bake in this binding's
 * tensors. Making a context costs milliseconds. On an H200, the second and third bindings of an
 * engine also ran gru's graph with host arrays at 197-202 µs of GPU time on the first binding's
 * context, and at 230-232 µs each on a new one (benchmarks/results/h200/2026-11-30c).
 */
public interface TensorRtBinding extends Binding {

    /**
     * A measurement aid: runs the bound inference once as {@link #run()} does, then enqueues it
     * {@code runs} times back to back on the binding's CUDA stream between two CUDA events and
     * returns the mean GPU time of one run in microseconds: with CUDA graphs, of one graph replay
     * (including the graph's copies between page-locked staging and the GPU); without, of one
     * plain {@code enqueueV3} sequence. The CPU-side staging copies are not part of it. The
     * outputs hold the bound inputs' results afterwards.
     *
     * @throws IllegalArgumentException if {@code runs < 1}
     */
    double gpuMicrosPerRun(int runs);
}
