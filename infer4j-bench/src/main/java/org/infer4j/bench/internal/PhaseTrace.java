package org.infer4j.bench.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuSampler;
import org.infer4j.metrics.GpuSnapshot;
import org.infer4j.metrics.LatencyRecorder;
import org.infer4j.metrics.LatencySnapshot;
import org.jspecify.annotations.Nullable;

/**
 * A GPU trace in phases: while a {@link GpuSampler} runs, each phase either waits ({@link Phase#idle}),
 * runs an inference over and over ({@link Phase#busy}), or does a task once ({@link Phase#task}, e.g.
 * loading the model), and its start and end are marked on the sampler's clock. The result holds each
 * phase's markers and summaries and the whole series. Stateless; the sampler is the caller's.
 */
public final class PhaseTrace {
    /** The metrics the console table and the series lead with. */
    public static final List<GpuMetric> TRACED = List.of(GpuMetric.GPU_UTILIZATION, GpuMetric.MEMORY_USED,
            GpuMetric.POWER, GpuMetric.TEMPERATURE, GpuMetric.SM_CLOCK);

    private PhaseTrace() {
    }

    /** What a phase does. */
    public enum Kind { IDLE, BUSY, TASK }

    /**
     * One phase.
     *
     * @param duration how long an idle or busy phase lasts; null for a task, which takes what it takes
     * @param task what a task phase does once; null otherwise
     */
    public record Phase(String name, Kind kind, @Nullable Duration duration, @Nullable Runnable task) {
        public Phase {
            Objects.requireNonNull(name, "name");
            if (kind == Kind.TASK ? task == null : duration == null || duration.isNegative()) {
                throw new IllegalArgumentException("phase " + name + ": a task phase needs a task, an idle or busy one a "
                        + "duration >= 0");
            }
        }

        public static Phase idle(String name, Duration duration) {
            return new Phase(name, Kind.IDLE, duration, null);
        }

        /** Runs the trace's inference back to back for {@code duration}. */
        public static Phase busy(String name, Duration duration) {
            return new Phase(name, Kind.BUSY, duration, null);
        }

        public static Phase task(String name, Runnable task) {
            return new Phase(name, Kind.TASK, null, task);
        }
    }

    /**
     * What one phase did and what the GPU did meanwhile.
     *
     * @param startMs its start, ms after the trace's start (the phase markers)
     * @param endMs its end
     * @param runs inferences run (busy phases)
     * @param latencyUs their latency (busy phases with runs), else null
     * @param sampleCount GPU samples taken within the phase
     * @param summary per metric key: count, min, mean, max, p95 (null where not reported)
     */
    public record PhaseResult(String name, String kind, double startMs, double endMs, long runs,
                              @Nullable LatencyMicros latencyUs, int sampleCount,
                              Map<String, Map<String, @Nullable Object>> summary) {

        public double durationMs() {
            return endMs - startMs;
        }

        /** The mean of {@code metric} in this phase, NaN if not reported. */
        public double mean(GpuMetric metric) {
            return value(metric, "mean");
        }

        public double max(GpuMetric metric) {
            return value(metric, "max");
        }

        private double value(GpuMetric metric, String statistic) {
            Map<String, @Nullable Object> s = summary.get(metric.key());
            Object v = s == null ? null : s.get(statistic);
            return v == null ? Double.NaN : ((Number) v).doubleValue();
        }
    }

    /**
     * A finished trace of one GPU.
     *
     * @param samplePeriodMs the sampler's period
     * @param achievedRatePerS samples per second actually taken over the whole trace
     * @param series {@code t_ms} (from the trace's start) and one list per metric key
     */
    public record Result(int deviceIndex, String deviceName, double samplePeriodMs, double achievedRatePerS,
                         List<PhaseResult> phases, Map<String, List<@Nullable Double>> series) {

        public PhaseResult phase(String name) {
            return phases.stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no phase " + name));
        }

        /** A table: one row per phase with duration, samples, runs and the traced metrics' mean and max. */
        public String table() {
            String format = "%-12s %9s %8s %7s %9s %9s %12s %9s %9s %8s %10s%n";
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, format, "phase", "ms", "samples", "runs",
                    "util mean", "util max", "mem max MiB", "power W", "power max", "temp max", "SM MHz"));
            for (PhaseResult p : phases) {
                sb.append(String.format(Locale.ROOT, format, p.name(), fixed(p.durationMs(), 0), p.sampleCount(), p.runs(),
                        fixed(p.mean(GpuMetric.GPU_UTILIZATION), 1), fixed(p.max(GpuMetric.GPU_UTILIZATION), 1),
                        fixed(p.max(GpuMetric.MEMORY_USED) / (1024 * 1024.0), 0), fixed(p.mean(GpuMetric.POWER), 1),
                        fixed(p.max(GpuMetric.POWER), 1), fixed(p.max(GpuMetric.TEMPERATURE), 0),
                        fixed(p.mean(GpuMetric.SM_CLOCK), 0)));
            }
            return sb.toString();
        }

        private static String fixed(double v, int decimals) {
            return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
    }

    /**
     * Runs {@code phases} in order while {@code sampler} samples, and reports GPU {@code deviceIndex}
     * (or the sampler's first GPU if it does not sample that one).
     *
     * @param inference one inference, for busy phases; it may be null when there is none
     * @throws IllegalStateException if the sampler samples no GPU
     */
    public static Result run(GpuSampler sampler, List<Phase> phases, @Nullable Runnable inference, int deviceIndex) {
        if (!sampler.isAvailable() || sampler.devices().isEmpty()) {
            throw new IllegalStateException("no GPU can be sampled here: " + sampler.unavailableReason());
        }
        int index = sampler.devices().stream().anyMatch(d -> d.index() == deviceIndex) ? deviceIndex
                : sampler.devices().get(0).index();
        long origin = System.nanoTime();
        List<long[]> marks = new ArrayList<>();
        List<@Nullable LatencySnapshot> latencies = new ArrayList<>();
        long start = origin;
        for (Phase phase : phases) {
            LatencySnapshot latency = null;
            switch (phase.kind()) {
                case IDLE -> idle(start + Objects.requireNonNull(phase.duration()).toNanos());
                case BUSY -> latency = busy(Objects.requireNonNull(inference, "a busy phase needs an inference"),
                        start + Objects.requireNonNull(phase.duration()).toNanos());
                case TASK -> Objects.requireNonNull(phase.task()).run();
            }
            long phaseEnd = System.nanoTime();
            marks.add(new long[] {start, phaseEnd});
            latencies.add(latency);
            start = phaseEnd; // the next phase begins where this one ends: every sample of the trace falls in one
        }
        long end = start;
        List<PhaseResult> results = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            Phase phase = phases.get(i);
            long[] mark = marks.get(i);
            GpuSnapshot.Device window = device(sampler.snapshot(mark[0], mark[1]), index);
            Map<String, Map<String, @Nullable Object>> summary = new LinkedHashMap<>();
            for (GpuMetric metric : GpuMetric.values()) {
                if (metric.isNumeric()) {
                    summary.put(metric.key(), window.summary(metric).toMap());
                }
            }
            LatencySnapshot latency = latencies.get(i);
            results.add(new PhaseResult(phase.name(), phase.kind().name().toLowerCase(Locale.ROOT), ms(mark[0] - origin),
                    ms(mark[1] - origin), latency == null ? 0 : latency.measuredCount(),
                    latency == null || latency.measuredCount() == 0 ? null : LatencyMicros.of(latency), window.sampleCount(),
                    summary));
        }
        GpuSnapshot.Device all = device(sampler.snapshot(origin, end), index);
        Map<String, List<@Nullable Double>> series = new LinkedHashMap<>();
        List<@Nullable Double> times = new ArrayList<>();
        for (long t : all.timestampsNanos()) {
            times.add(ms(t - origin));
        }
        series.put("t_ms", times);
        List<GpuMetric> order = new ArrayList<>(TRACED);
        for (GpuMetric metric : GpuMetric.values()) {
            if (!order.contains(metric)) {
                order.add(metric);
            }
        }
        for (GpuMetric metric : order) {
            List<@Nullable Double> values = new ArrayList<>();
            for (double v : all.values(metric)) {
                values.add(Double.isFinite(v) ? v : null);
            }
            series.put(metric.key(), values);
        }
        return new Result(index, all.device().name(), sampler.period().toNanos() / 1e6, all.sampleRatePerSecond(), results,
                series);
    }

    private static GpuSnapshot.Device device(GpuSnapshot snapshot, int index) {
        return snapshot.devices().stream().filter(d -> d.device().index() == index).findFirst().orElseThrow();
    }

    private static void idle(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static LatencySnapshot busy(Runnable inference, long deadline) {
        LatencyRecorder recorder = LatencyRecorder.create();
        long end;
        do {
            long start = System.nanoTime();
            inference.run();
            end = System.nanoTime();
            recorder.record(end - start);
        } while (end < deadline);
        return recorder.snapshot();
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e3) / 1e3;
    }
}
