package org.infer4j;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of an engine's counters (e.g. {@code cudaGraphs.replays}) and notes (e.g. why CUDA
 * graphs do not apply to one input shape). Immutable.
 */
public record EngineStats(Map<String, Long> counters, List<String> notes) {
    public static final EngineStats EMPTY = new EngineStats(Map.of(), List.of());

    public EngineStats {
        counters = Map.copyOf(counters);
        notes = List.copyOf(notes);
    }

    /** The counter's value, or 0 if the engine does not keep it. */
    public long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }
}
