package org.infer4j.cudagraphs.internal;

import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The captured graphs of one execution context, one per input-shape signature, in a bounded LRU
 * cache. The first call with a new signature captures a graph; later calls replay it; a signature
 * whose capture failed runs uncaptured from then on (logged once, counted in {@link #stats()}). A
 * replay never uses a graph captured for another signature.
 *
 * <p>Not thread-safe: it belongs to one execution context, which serves one caller at a time.
 * A call with the signature of the previous call allocates nothing.
 *
 * @param <G> the executable graph type
 */
public final class GraphCache<G> {
    private static final Logger log = LoggerFactory.getLogger(GraphCache.class);

    /** What the cache drives: capture, replay and destroy of graphs, and the plain execution path. */
    public interface Executor<G> {
        /** Captures one inference for the current input shapes; throws if the work cannot be captured. */
        G capture() throws CaptureFailedException;

        /** Launches a captured graph (the caller synchronises, or the executor does). */
        void replay(G graph);

        /** Runs the inference without a graph. */
        void runUncaptured();

        /** Frees a graph; never throws. */
        void destroy(G graph);

        /** Describes a signature for log lines and stats; null: the default, input shapes. */
        default @Nullable String describe(long[] signature) {
            return null;
        }
    }

    /** A capture that could not be made; the message says why. */
    public static final class CaptureFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        public CaptureFailedException(String message) {
            super(message);
        }
    }

    private final int capacity;
    private final String owner;
    private final LinkedHashMap<Signature, G> graphs = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Signature, String> uncapturable = new LinkedHashMap<>();
    private final Map<Signature, String> descriptions = new LinkedHashMap<>();
    private @Nullable Signature last;
    private @Nullable G lastGraph;
    private long captures;
    private long replays;
    private long evictions;
    private long uncapturedRuns;
    private boolean closed;

    /**
     * @param capacity the most graphs kept (each holds its own kernel parameters; device buffers are the context's)
     * @param owner names the engine and context in log lines
     */
    public GraphCache(int capacity, String owner) {
        if (capacity < 1) {
            throw new IllegalArgumentException("graph cache capacity must be >= 1, not " + capacity);
        }
        this.capacity = capacity;
        this.owner = owner;
    }

    /**
     * Runs one inference for the signature {@code dims}, through a graph where possible: every
     * input's dimensions, flattened in input order with each rank first, and after them whatever
     * else the executor's graphs bake in (the executor's {@link Executor#describe} names those).
     */
    public void run(long[] dims, Executor<G> executor) {
        if (closed) {
            throw new IllegalStateException("graph cache of " + owner + " is closed");
        }
        if (last != null && last.matches(dims)) {
            if (lastGraph != null) {
                executor.replay(lastGraph);
                replays++;
            } else {
                executor.runUncaptured();
                uncapturedRuns++;
            }
            return;
        }
        Signature key = new Signature(dims.clone());
        last = key;
        lastGraph = graphs.get(key);
        if (lastGraph != null) {
            executor.replay(lastGraph);
            replays++;
            return;
        }
        if (uncapturable.containsKey(key)) {
            executor.runUncaptured();
            uncapturedRuns++;
            return;
        }
        G graph;
        try {
            graph = executor.capture();
        } catch (CaptureFailedException | RuntimeException e) {
            String described = executor.describe(key.dims());
            String name = described != null ? described : key.toString();
            uncapturable.put(key, String.valueOf(e.getMessage()));
            descriptions.put(key, name);
            log.warn("{}: cannot capture a CUDA graph for {} ({}); this signature runs without a graph",
                    owner, name, e.getMessage());
            executor.runUncaptured();
            uncapturedRuns++;
            return;
        }
        captures++;
        if (graphs.size() >= capacity) {
            Iterator<Map.Entry<Signature, G>> eldest = graphs.entrySet().iterator();
            executor.destroy(eldest.next().getValue());
            eldest.remove();
            evictions++;
        }
        graphs.put(key, graph);
        lastGraph = graph;
        executor.replay(graph);
        replays++;
    }

    /** Counters and the shapes that run without graphs, with the reason. */
    public GraphStats stats() {
        Map<String, String> failed = new LinkedHashMap<>();
        uncapturable.forEach((k, v) -> failed.put(descriptions.get(k), v));
        return new GraphStats(graphs.size(), captures, replays, evictions, uncapturedRuns, Collections.unmodifiableMap(failed));
    }

    /** Destroys every graph and keeps the counters; later runs capture anew. */
    public void clear(Executor<G> executor) {
        graphs.values().forEach(executor::destroy);
        graphs.clear();
        last = null;
        lastGraph = null;
    }

    /** Destroys every graph; later runs throw {@link IllegalStateException}. Idempotent. */
    public void close(Executor<G> executor) {
        if (!closed) {
            closed = true;
            clear(executor);
        }
    }

    /** The counters of one cache. */
    public record GraphStats(int cachedGraphs, long captures, long replays, long evictions, long uncapturedRuns,
                             Map<String, String> uncapturableShapes) {
    }

    /** A signature as a cache key; printed as input shapes where it is one, else as its numbers. */
    private record Signature(long[] dims) {
        boolean matches(long[] other) {
            return Arrays.equals(dims, other);
        }

        @Override
        public boolean equals(@Nullable Object o) {
            return o instanceof Signature s && Arrays.equals(dims, s.dims);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(dims);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            int i = 0;
            while (i < dims.length) {
                long rank = dims[i++];
                if (rank < 0 || rank > dims.length - i) {
                    return Arrays.toString(dims); // more than shapes: what the executor added
                }
                sb.append(sb.length() == 0 ? "" : " ").append('[');
                for (int d = 0; d < rank; d++) {
                    sb.append(d == 0 ? "" : "x").append(dims[i++]);
                }
                sb.append(']');
            }
            return sb.toString();
        }
    }
}
