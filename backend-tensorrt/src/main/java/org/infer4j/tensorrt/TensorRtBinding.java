package org.infer4j.tensorrt;

import org.infer4j.Binding;

/**
 * A {@link Binding} of the {@code tensorrt} backend: cast {@code engine.bind(...)} to it for
 * diagnostics. Thread safety as {@link Binding}.
 *
 * <p>Each binding has an execution context, CUDA stream and graphs of its own, made when it is
 * bound and destroyed on close, so make one and keep it. On an H200, a binding made after another
 * binding of the same engine had been closed ran gru's graph 13-18 % slower on the GPU than the
 * engine's first binding, and so did every binding in a process that had built the engine itself
 * (benchmarks/results/h200/2026-11-30b); why is not known yet.
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
