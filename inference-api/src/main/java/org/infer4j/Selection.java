package org.infer4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A choice of backend by measurement ({@link AutoSelection}): which backend won, and the table of
 * every candidate with what happened to it. {@link EngineBuilder#select()} returns it; the
 * builder's {@code build()} logs {@link #table()} at INFO. Immutable.
 *
 * @param backend the backend chosen
 * @param metric what "fastest" meant
 * @param fromCache true when the decision was read from the cache, without measuring; the table is the one recorded then
 * @param budgetExhausted true when the time budget ran out before every candidate was measured in full;
 *                        the choice is the best of those measured
 * @param candidates every candidate considered, in the order they were taken
 * @param cacheFile the file the decision is kept in, or null when the cache is off or could not be written
 */
public record Selection(String backend, AutoSelection.Metric metric, boolean fromCache, boolean budgetExhausted,
                        List<Candidate> candidates, @Nullable Path cacheFile) {

    public Selection {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(metric, "metric");
        candidates = List.copyOf(candidates);
    }

    /** What happened to one candidate. */
    public enum Outcome {
        /** Built, its outputs matched the reference's, and it was timed. */
        MEASURED,
        /** Built and run, but its outputs differ from the reference's by more than the tolerance. */
        PARITY_FAILED,
        /** It threw while building or running; the note gives the error. */
        FAILED,
        /** It cannot run here, or no backend has that name; the note says why. */
        UNAVAILABLE,
        /** Not built: the time budget was spent first. */
        NOT_MEASURED
    }

    /**
     * One row of the table.
     *
     * @param backend the backend's name
     * @param outcome what happened to it
     * @param p50Micros the median time of one {@code run} call in microseconds; NaN unless measured
     * @param runsPerSecond {@code run} calls completed per second by all callers together; NaN unless measured
     * @param difference the largest difference from the reference's outputs, as a fraction of each output's
     *                   scale; NaN where no outputs were compared
     * @param note why it failed or was left out, or what limited its measurement; empty if nothing
     */
    public record Candidate(String backend, Outcome outcome, double p50Micros, double runsPerSecond, double difference,
                            String note) {
        public Candidate {
            Objects.requireNonNull(backend, "backend");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(note, "note");
        }
    }

    /**
     * @return the chosen backend's row
     * @throws IllegalStateException if the table has none, which {@code EngineBuilder} never returns
     */
    public Candidate chosen() {
        return candidates.stream().filter(c -> c.backend().equals(backend)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no row for the chosen backend " + backend));
    }

    /** @return the table for people: one line per candidate, the chosen one marked with {@code *} */
    public String table() {
        return table(candidates, backend);
    }

    /**
     * The table of {@code candidates} for people, {@code chosen} marked; also for a choice that failed.
     *
     * @param candidates the rows
     * @param chosen the backend to mark, or null for none
     * @return one header line and one line per candidate
     */
    public static String table(List<Candidate> candidates, @Nullable String chosen) {
        int width = Math.max(7, candidates.stream().mapToInt(c -> c.backend().length()).max().orElse(0));
        StringBuilder sb = new StringBuilder(String.format("  %-" + width + "s  %-13s  %10s  %10s  %9s  %s%n", "backend",
                "outcome", "p50 µs", "runs/s", "max diff", "note"));
        for (Candidate c : candidates) {
            sb.append(String.format("%s %-" + width + "s  %-13s  %10s  %10s  %9s  %s%n", c.backend().equals(chosen) ? "*" : " ",
                    c.backend(), c.outcome(), number("%.1f", c.p50Micros()), number("%.1f", c.runsPerSecond()),
                    number("%.2e", c.difference()), c.note()));
        }
        return sb.toString();
    }

    private static String number(String format, double value) {
        return Double.isNaN(value) ? "-" : String.format(format, value);
    }
}
