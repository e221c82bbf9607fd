package org.infer4j.tensorrt.internal.runtime;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.infer4j.tensorrt.TensorRtSettings;
import org.infer4j.tensorrt.spi.GraphRunner;
import org.infer4j.tensorrt.spi.GraphRunnerFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether an engine replays CUDA graphs, and the factory of its per-context runners. Without
 * {@code backend-cuda-graphs} on the class path, {@code cudaGraphs(true)} runs without graphs: a
 * warning is logged and the engine's stats say so ({@code cudaGraphs.enabled} 0 and a note). Immutable.
 */
public final class GraphSupport {
    static final GraphSupport OFF = new GraphSupport(null, 1);
    private static final Logger log = LoggerFactory.getLogger(GraphSupport.class);

    private final @Nullable GraphRunnerFactory factory;
    private final int capacity;

    GraphSupport(@Nullable GraphRunnerFactory factory, int capacity) {
        this.factory = factory;
        this.capacity = capacity;
    }

    /**
     * Graph replay when asked for and {@code backend-cuda-graphs} is on the class path (found
     * through the thread's context class loader, then this module's); asked for without it, a
     * warning and a note, and runs without graphs.
     *
     * @param asked whether the engine's configuration asks for CUDA graphs
     * @param settings the tensorrt settings, whose graph cache capacity bounds each context's graphs
     * @param modelName the model's name, for the warning
     * @param notes the engine's notes, to which this adds one line saying what it chose
     * @return graph replay on, or off
     */
    public static GraphSupport choose(boolean asked, TensorRtSettings settings, String modelName, List<String> notes) {
        if (!asked) {
            return OFF;
        }
        Optional<GraphRunnerFactory> factory = discover(Thread.currentThread().getContextClassLoader());
        if (factory.isEmpty()) {
            factory = discover(null);
        }
        if (factory.isEmpty()) {
            String note = missingModuleNote();
            log.warn("{}: {}", modelName, note);
            notes.add(note);
            return OFF;
        }
        notes.add("cudaGraphs: one CUDA graph per input-shape signature and execution context, at most "
                + settings.graphCacheCapacity() + " per context (TensorRtSettings.graphCacheCapacity)");
        return new GraphSupport(factory.get(), settings.graphCacheCapacity());
    }

    /**
     * Whether contexts replay CUDA graphs.
     *
     * @return true if a graph runner factory was found and graphs were asked for
     */
    public boolean enabled() {
        return factory != null;
    }

    /** A runner for a new execution context, or null without graphs. */
    @Nullable GraphRunner newRunner(String owner) {
        return factory == null ? null : factory.create(capacity, owner);
    }

    /** The first factory {@code loader} finds, if any. */
    static Optional<GraphRunnerFactory> discover(@Nullable ClassLoader loader) {
        Iterator<GraphRunnerFactory> it = ServiceLoader.load(GraphRunnerFactory.class,
                loader != null ? loader : GraphSupport.class.getClassLoader()).iterator();
        try {
            return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
        } catch (ServiceConfigurationError e) {
            return Optional.empty();
        }
    }

    /** The note and log line for cudaGraphs(true) without the module. */
    static String missingModuleNote() {
        return "cudaGraphs(true) was asked for but " + GraphRunnerFactory.ARTIFACT + " is not on the class path; runs use "
                + "enqueueV3 without graph capture. Add the dependency " + GraphRunnerFactory.ARTIFACT + " (same version as "
                + "backend-tensorrt) for CUDA graphs";
    }

    /** Adds the counters of {@code stats} to {@code counters} and their notes to {@code notes}. */
    static void aggregate(List<GraphRunner.Stats> stats, Map<String, Long> counters, List<String> notes) {
        long cached = 0;
        long captures = 0;
        long replays = 0;
        long evictions = 0;
        long uncaptured = 0;
        long resyncs = 0;
        Map<String, String> failed = new LinkedHashMap<>();
        for (GraphRunner.Stats s : stats) {
            cached += s.cachedGraphs();
            captures += s.captures();
            replays += s.replays();
            evictions += s.evictions();
            uncaptured += s.uncapturedRuns();
            resyncs += s.resyncRuns();
            failed.putAll(s.uncapturable());
        }
        counters.put("cudaGraphs.cachedGraphs", cached);
        counters.put("cudaGraphs.captures", captures);
        counters.put("cudaGraphs.replays", replays);
        counters.put("cudaGraphs.evictions", evictions);
        counters.put("cudaGraphs.uncapturedRuns", uncaptured);
        counters.put("cudaGraphs.resyncRuns", resyncs);
        List<String> lines = new ArrayList<>();
        failed.forEach((signature, reason) -> lines.add("cudaGraphs: " + signature + " runs without a graph: " + reason));
        notes.addAll(lines);
    }
}
