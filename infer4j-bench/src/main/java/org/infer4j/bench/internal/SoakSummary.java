package org.infer4j.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The soak's verdict over every chunk in a results directory, from its {@code samples.csv} and its
 * {@code chunk-N.json} files: runs, errors and mismatches, per chunk and per series; whether each
 * chunk finished (a chunk with samples and no record ended early: a crash, a hang, a kill); and,
 * per memory series, the least-squares slope per minute over the samples taken after each chunk's
 * warm-up window (one slope common to all chunks, {@link Trend#pooledSlope}) and each chunk's
 * growth from its first window to its last ({@link Trend#growth}).
 *
 * <p>It passes when there was at least one chunk, every chunk finished, and no run mismatched or
 * failed. Memory growth is reported, not judged: how much is too much depends on the models and
 * the machine. Immutable.
 */
public final class SoakSummary {
    private final Map<String, Object> json;
    private final String text;
    private final boolean passed;

    private SoakSummary(Map<String, Object> json, String text, boolean passed) {
        this.json = json;
        this.text = text;
        this.passed = passed;
    }

    /**
     * Summarises the chunks.
     *
     * @param rows every row of {@code samples.csv}
     * @param records each finished chunk's record, by chunk number
     * @param warmup samples of a chunk taken earlier than this after its workers started are left out of the trends
     * @param window the length of the first and last windows that the growth compares
     * @return the summary
     */
    public static SoakSummary of(List<SoakSamples.Row> rows, Map<Integer, JsonNode> records, Duration warmup, Duration window) {
        SortedSet<Integer> chunks = new TreeSet<>(records.keySet());
        rows.forEach(r -> chunks.add(r.chunk()));
        double warmupMinutes = warmup.toMillis() / 60_000.0;
        double windowMinutes = window.toMillis() / 60_000.0;

        List<Map<String, Object>> chunkList = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        long runs = 0;
        long errors = 0;
        long mismatches = 0;
        long churn = 0;
        double soakSeconds = 0;
        SortedMap<String, Map<String, Object>> series = new TreeMap<>();
        for (int chunk : chunks) {
            JsonNode record = records.get(chunk);
            List<SoakSamples.Row> own = rows.stream().filter(r -> r.chunk() == chunk).toList();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("chunk", chunk);
            c.put("finished", record != null);
            if (record != null) {
                c.put("soak_seconds", record.path("soak_seconds").asDouble());
                c.put("runs", record.path("runs").asLong());
                c.put("errors", record.path("errors").asLong());
                c.put("mismatches", record.path("mismatches").asLong());
                c.put("churn_cycles", record.path("churn_cycles").asLong());
                addSeries(series, record);
            } else {
                SoakSamples.Row last = own.isEmpty() ? null : own.get(own.size() - 1);
                c.put("soak_seconds", last == null ? 0.0 : last.chunkElapsedSeconds());
                c.put("runs", last == null ? 0L : last.runs());
                c.put("errors", last == null ? 0L : last.errors());
                c.put("mismatches", last == null ? 0L : last.mismatches());
                c.put("churn_cycles", 0L);
                reasons.add("chunk " + chunk + " did not finish: its process ended (crash, hang or kill) "
                        + (last == null ? "before its first sample" : "after its sample at " + formatSeconds(last.chunkElapsedSeconds())));
            }
            own.stream().filter(r -> r.event() == SoakSamples.Event.AFTER_CLOSE).findFirst()
                    .ifPresent(r -> c.put("direct_bytes_after_close", r.memory().get(SoakSamples.MEMORY_SERIES.indexOf("direct_bytes"))));
            runs += (Long) c.get("runs");
            errors += (Long) c.get("errors");
            mismatches += (Long) c.get("mismatches");
            churn += (Long) c.get("churn_cycles");
            soakSeconds += (Double) c.get("soak_seconds");
            chunkList.add(c);
        }
        if (chunks.isEmpty()) {
            reasons.add("no chunk has run: nothing to judge");
        }
        if (mismatches > 0) {
            reasons.add(mismatches + " run(s) did not match the reference");
        }
        if (errors > 0) {
            reasons.add(errors + " error(s)");
        }

        Map<String, Object> memory = new LinkedHashMap<>();
        for (int m = 0; m < SoakSamples.MEMORY_SERIES.size(); m++) {
            memory.put(SoakSamples.MEMORY_SERIES.get(m), trend(rows, chunks, m, warmupMinutes, windowMinutes));
        }

        boolean passed = reasons.isEmpty();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("verdict", passed ? "pass" : "fail");
        json.put("reasons", reasons);
        json.put("chunks", chunks.size());
        json.put("unfinished_chunks", chunkList.stream().filter(c -> !(Boolean) c.get("finished")).count());
        json.put("soak_seconds", soakSeconds);
        json.put("runs", runs);
        json.put("churn_cycles", churn);
        json.put("errors", errors);
        json.put("mismatches", mismatches);
        json.put("warmup_window_s", warmup.toMillis() / 1000.0);
        json.put("growth_window_s", window.toMillis() / 1000.0);
        json.put("memory", memory);
        json.put("series", new ArrayList<>(series.values()));
        json.put("per_chunk", chunkList);
        return new SoakSummary(json, render(json), passed);
    }

    /** Adds a chunk record's per-series counts to the totals by series name. */
    private static void addSeries(SortedMap<String, Map<String, Object>> series, JsonNode record) {
        for (JsonNode s : record.path("series")) {
            Map<String, Object> total = series.computeIfAbsent(s.path("name").asText(), name -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("check", s.path("check").asText());
                m.put("rebuilt_check", s.path("rebuilt_check").asText());
                for (String key : List.of("engine_run_runs", "binding_runs", "churn_cycles", "errors", "mismatches")) {
                    m.put(key, 0L);
                }
                m.put("cuda_graph_replays", 0L);
                return m;
            });
            for (String key : List.of("engine_run_runs", "binding_runs", "churn_cycles", "errors", "mismatches")) {
                total.put(key, (Long) total.get(key) + s.path(key).asLong());
            }
            total.put("cuda_graph_replays", (Long) total.get("cuda_graph_replays")
                    + s.path("engine_stats").path("cudaGraphs.replays").asLong());
        }
    }

    /** One memory series' slope and per-chunk growth after the warm-up, or why there is none. */
    private static Map<String, Object> trend(List<SoakSamples.Row> rows, SortedSet<Integer> chunks, int series, double warmupMinutes,
                                             double windowMinutes) {
        Map<String, Object> t = new LinkedHashMap<>();
        List<List<Trend.Point>> segments = new ArrayList<>();
        Map<String, Object> growth = new LinkedHashMap<>();
        Map<String, Object> slopes = new LinkedHashMap<>();
        int used = 0;
        for (int chunk : chunks) {
            List<Trend.Point> points = new ArrayList<>();
            for (SoakSamples.Row r : rows) {
                Long value = r.memory().get(series);
                double minutes = r.chunkElapsedSeconds() / 60;
                if (r.chunk() == chunk && r.event().whileRunning() && value != null && minutes >= warmupMinutes) {
                    points.add(new Trend.Point(minutes, value));
                }
            }
            used += points.size();
            segments.add(points);
            growth.put(Integer.toString(chunk), Trend.growth(points, windowMinutes));
            slopes.put(Integer.toString(chunk), Trend.pooledSlope(List.of(points)));
        }
        Double slope = Trend.pooledSlope(segments);
        t.put("slope_bytes_per_min", slope);
        t.put("samples_used", used);
        t.put("slope_bytes_per_min_by_chunk", slopes);
        t.put("growth_bytes_by_chunk", growth);
        if (slope == null) {
            t.put("note", used == 0 ? "no samples after the warm-up window (not read here, or chunks too short)"
                    : "too few samples after the warm-up window for a slope");
        }
        return t;
    }

    /** The summary as JSON-ready maps and lists. */
    public Map<String, Object> json() {
        return json;
    }

    /** The summary for a person to read, as printed at the end of a chunk. */
    public String text() {
        return text;
    }

    /** Whether every chunk finished without a mismatch or error. */
    public boolean passed() {
        return passed;
    }

    @SuppressWarnings("unchecked")
    private static String render(Map<String, Object> json) {
        StringBuilder b = new StringBuilder();
        List<Map<String, Object>> chunks = (List<Map<String, Object>>) json.get("per_chunk");
        b.append(String.format(Locale.ROOT, "soak summary: %d chunk(s), %s soaked, %d unfinished%n", chunks.size(),
                formatSeconds((Double) json.get("soak_seconds")), (Long) json.get("unfinished_chunks")));
        b.append(String.format(Locale.ROOT, "  runs %d, engine churn cycles %d, errors %d, mismatches %d%n", (Long) json.get("runs"),
                (Long) json.get("churn_cycles"), (Long) json.get("errors"), (Long) json.get("mismatches")));
        List<Map<String, Object>> series = (List<Map<String, Object>>) json.get("series");
        if (!series.isEmpty()) {
            int width = series.stream().mapToInt(s -> ((String) s.get("name")).length()).max().orElse(10);
            b.append(String.format(Locale.ROOT, "  %-" + width + "s  %10s %10s %6s %8s %6s %10s  %s%n", "series", "engine.run", "Binding",
                    "churn", "replays", "errors", "mismatches", "check (rebuilt engines)"));
            for (Map<String, Object> s : series) {
                b.append(String.format(Locale.ROOT, "  %-" + width + "s  %10d %10d %6d %8d %6d %10d  %s (%s)%n", s.get("name"),
                        (Long) s.get("engine_run_runs"), (Long) s.get("binding_runs"), (Long) s.get("churn_cycles"),
                        (Long) s.get("cuda_graph_replays"), (Long) s.get("errors"), (Long) s.get("mismatches"), s.get("check"),
                        s.get("rebuilt_check")));
            }
        }
        b.append(String.format(Locale.ROOT, "  memory after each chunk's first %s: slope per minute (least squares, all chunks) and "
                + "growth from the first to the last %s window of each chunk%n", formatSeconds((Double) json.get("warmup_window_s")),
                formatSeconds((Double) json.get("growth_window_s"))));
        Map<String, Object> memory = (Map<String, Object>) json.get("memory");
        memory.forEach((name, value) -> {
            Map<String, Object> t = (Map<String, Object>) value;
            Double slope = (Double) t.get("slope_bytes_per_min");
            Map<String, @Nullable Double> growth = (Map<String, @Nullable Double>) t.get("growth_bytes_by_chunk");
            List<String> parts = new ArrayList<>();
            growth.forEach((chunk, g) -> parts.add(chunk + ": " + (g == null ? "-" : signedBytes(g))));
            b.append(String.format(Locale.ROOT, "    %-22s %s  growth %s  (%d samples)%n", name,
                    slope == null ? "slope -  (" + t.get("note") + ")" : "slope " + signedBytes(slope) + "/min",
                    String.join(", ", parts), (Integer) t.get("samples_used")));
        });
        List<String> afterClose = new ArrayList<>();
        for (Map<String, Object> c : chunks) {
            if (c.get("direct_bytes_after_close") instanceof Long direct) {
                afterClose.add(c.get("chunk") + ": " + signedBytes(direct).substring(1));
            }
        }
        if (!afterClose.isEmpty()) {
            b.append("  direct memory after closing every engine, binding and tensor, by chunk: ").append(String.join(", ", afterClose))
                    .append('\n');
        }
        List<String> reasons = (List<String>) json.get("reasons");
        b.append("verdict: ").append(reasons.isEmpty() ? "PASS (every chunk finished; no mismatch, no error)"
                : "FAIL: " + String.join("; ", reasons)).append('\n');
        return b.toString();
    }

    /** Like {@code +1.50 MiB}, {@code -512 B}, {@code +0 B}. */
    static String signedBytes(double bytes) {
        String sign = bytes < 0 ? "-" : "+";
        double abs = Math.abs(bytes);
        if (abs < 1024) {
            return String.format(Locale.ROOT, "%s%.0f B", sign, abs);
        }
        if (abs < 1024 * 1024) {
            return String.format(Locale.ROOT, "%s%.2f KiB", sign, abs / 1024);
        }
        if (abs < 1024.0 * 1024 * 1024) {
            return String.format(Locale.ROOT, "%s%.2f MiB", sign, abs / (1024 * 1024));
        }
        return String.format(Locale.ROOT, "%s%.2f GiB", sign, abs / (1024.0 * 1024 * 1024));
    }

    /** Like {@code 31m12s} or {@code 4.2s}. */
    public static String formatSeconds(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1fs", seconds);
        }
        long s = Math.round(seconds);
        return s / 3600 > 0 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
