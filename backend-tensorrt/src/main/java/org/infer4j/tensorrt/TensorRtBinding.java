package org.infer4j.tensorrt;

import org.infer4j.Binding;

/**
 * A {@link Binding} of the {@code tensorrt} backend: cast {@code engine.bind(...)} to it for
 * diagnostics. Thread safety as {@link Binding}.
 *
 * <p>While it is open, a binding has an execution context, CUDA stream and graphs of its own. On
 * close they go back to the engine, which gives them to the next binding and frees them when it
 * closes itself: making them costs milliseconds, and on an H200, when closing a binding still
 * destroyed them, a binding made after another had been closed ran gru's graph 13-18 % slower on
 * the GPU than the engine's first one (benchmarks/results/h200/2026-11-30b). In a process that had built the engine, every binding
 * was that slow; loading the engine from the cache avoids it.
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
