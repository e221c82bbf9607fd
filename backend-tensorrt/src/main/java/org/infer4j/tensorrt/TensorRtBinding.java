package org.infer4j.tensorrt;

import org.infer4j.Binding;

/**
 * A {@link Binding} of the {@code tensorrt} backend: cast {@code engine.bind(...)} to it for
 * diagnostics. Thread safety as {@link Binding}.
 *
 * <p>While it is open, a binding has an execution context, CUDA stream and graphs of its own. On
 * close, the context and stream go back to the engine, which gives them to the next binding and
 * frees them when it closes itself. The graphs are destroyed, since they bake in this binding's
 * tensors. Contexts are reused because making one costs milliseconds and because TensorRT runs
 * every context of an engine slower once several of them have run (docs/performance.md).
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
