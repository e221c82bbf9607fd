package org.infer4j.tensorrt.spi;

import java.util.Map;

/**
 * Runs one execution context's work through captured CUDA graphs: one graph per signature,
 * captured on first use, replayed afterwards, run without a graph where capture fails. Belongs to
 * one execution context, which serves one caller at a time; {@link #stats()} may be read from any
 * thread.
 */
public interface GraphRunner extends AutoCloseable {

    /**
     * Enqueues {@code work} on its stream, as a graph replay where possible; the caller then
     * synchronises the stream. May synchronise itself (capture runs the work once uncaptured first).
     *
     * @param signature everything the work bakes into a graph: the input shapes and the device
     *        addresses bound to the context; equal signatures must mean interchangeable graphs
     */
    void run(long[] signature, CapturableWork work);

    /**
     * Destroys every cached graph, before the memory whose addresses they bake in may be freed (a
     * graph that copies from freed page-locked memory crashes the driver). Counters stay; later
     * runs capture anew.
     */
    void clear();

    /** A snapshot of the counters and notes. */
    Stats stats();

    /** Destroys every graph; later runs throw {@link IllegalStateException}. Idempotent. */
    @Override
    void close();

    /**
     * Counters of one runner.
     *
     * @param uncapturable the signatures that run without graphs, described, with the reason
     */
    record Stats(int cachedGraphs, long captures, long replays, long evictions, long uncapturedRuns, long resyncRuns,
                 Map<String, String> uncapturable) {
        public static final Stats NONE = new Stats(0, 0, 0, 0, 0, 0, Map.of());

        public Stats {
            uncapturable = Map.copyOf(uncapturable);
        }
    }
}
