package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuMetricSummary;
import org.infer4j.metrics.GpuSnapshot;
import org.infer4j.metrics.GpuThrottleReason;
import org.jspecify.annotations.Nullable;

/**
 * What the GPU did during a run's timed windows (one per round), as the run's JSON {@code gpu}
 * object carries it: per GPU the sample count, the achieved rate, min/mean/max/p95 of every metric,
 * the share of samples with each throttle reason, and the series of values, thinned to at most
 * {@link #MAX_SERIES_POINTS} points (every {@code series_stride}-th sample). Series times
 * ({@code t_ms}) count from the start of the first window; with several rounds the gaps between
 * windows show. Immutable.
 *
 * @param samplePeriodMs the sampler's configured period
 * @param available whether a GPU could be sampled; if not, {@code unavailableReason} says why
 * @param windows the timed windows sampled (rounds)
 * @param windowMs their total length
 * @param sampleErrors failed reads of the windows' samplers (one sampler per window)
 */
public record GpuReport(double samplePeriodMs, boolean available, @Nullable String unavailableReason, int windows,
                        double windowMs, long sampleErrors, List<DeviceReport> devices) {
    public static final int MAX_SERIES_POINTS = 2000;
    private static final GpuMetric[] METRICS = GpuMetric.values();

    public GpuReport {
        devices = List.copyOf(devices);
    }

    /**
     * One GPU over the windows.
     *
     * @param summary per metric key ({@code gpu_utilization_percent}, {@code power_watts}, ...):
     *        {@code count}, {@code min}, {@code mean}, {@code max}, {@code p95}; null where not reported
     * @param throttleReasons for each reason seen, the fraction of samples that had it
     * @param series {@code t_ms} and one list per metric key, every {@code seriesStride}-th sample
     */
    public record DeviceReport(int index, String name, int sampleCount, double sampleRatePerS,
                               Map<String, Map<String, @Nullable Object>> summary, Map<String, Double> throttleReasons,
                               int seriesStride, Map<String, List<@Nullable Double>> series) {

        /** The summary of {@code metric}, recomputed from the series' full-resolution values. */
        GpuMetricSummary summaryOf(GpuMetric metric) {
            Map<String, @Nullable Object> s = summary.get(metric.key());
            if (s == null) {
                return GpuMetricSummary.of(new double[0]);
            }
            return new GpuMetricSummary((Integer) s.get("count"), num(s.get("min")), num(s.get("mean")), num(s.get("max")),
                    num(s.get("p95")));
        }

        private static double num(@Nullable Object value) {
            return value == null ? Double.NaN : ((Number) value).doubleValue();
        }
    }

    /** The report of the windows sampled at {@code periodNanos}; {@code windows} in time order, at least one. */
    public static GpuReport of(List<GpuSnapshot> windows) {
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("a GPU report needs at least one sampled window");
        }
        GpuSnapshot first = windows.get(0);
        double windowMs = 0;
        long errors = 0;
        for (GpuSnapshot w : windows) {
            windowMs += (w.toNanos() - w.fromNanos()) / 1e6;
            errors += w.sampleErrors(); // each window has its own sampler
        }
        List<DeviceReport> devices = new ArrayList<>();
        for (int d = 0; d < first.devices().size(); d++) {
            devices.add(device(windows, d, first.fromNanos()));
        }
        return new GpuReport(first.periodNanos() / 1e6, first.isAvailable(),
                first.isAvailable() ? null : first.unavailableReason(), windows.size(), windowMs, errors, devices);
    }

    private static DeviceReport device(List<GpuSnapshot> windows, int position, long originNanos) {
        GpuSnapshot.Device firstDevice = windows.get(0).devices().get(position);
        List<Long> times = new ArrayList<>();
        Map<GpuMetric, List<Double>> values = new EnumMap<>(GpuMetric.class);
        double rateSum = 0;
        int rated = 0;
        for (GpuSnapshot w : windows) {
            GpuSnapshot.Device device = w.devices().get(position);
            for (long t : device.timestampsNanos()) {
                times.add(t);
            }
            for (GpuMetric metric : METRICS) {
                List<Double> list = values.computeIfAbsent(metric, m -> new ArrayList<>());
                for (double v : device.values(metric)) {
                    list.add(v);
                }
            }
            if (device.sampleCount() >= 2) {
                rateSum += device.sampleRatePerSecond();
                rated++;
            }
        }
        Map<String, Map<String, @Nullable Object>> summary = new LinkedHashMap<>();
        for (GpuMetric metric : METRICS) {
            if (metric.isNumeric()) {
                summary.put(metric.key(), GpuMetricSummary.of(toArray(values.get(metric))).toMap());
            }
        }
        int n = times.size();
        int stride = Math.max(1, (n + MAX_SERIES_POINTS - 1) / MAX_SERIES_POINTS);
        Map<String, List<@Nullable Double>> series = new LinkedHashMap<>();
        List<@Nullable Double> tMs = new ArrayList<>();
        for (int i = 0; i < n; i += stride) {
            tMs.add(Math.round((times.get(i) - originNanos) / 1e3) / 1e3);
        }
        series.put("t_ms", tMs);
        for (GpuMetric metric : METRICS) {
            List<@Nullable Double> list = new ArrayList<>();
            List<Double> all = values.get(metric);
            for (int i = 0; i < n; i += stride) {
                double v = all.get(i);
                list.add(Double.isFinite(v) ? v : null);
            }
            series.put(metric.key(), list);
        }
        return new DeviceReport(firstDevice.device().index(), firstDevice.device().name(), n,
                rated == 0 ? 0 : rateSum / rated, summary, throttleShares(values.get(GpuMetric.THROTTLE_REASONS)), stride, series);
    }

    private static Map<String, Double> throttleShares(List<Double> masks) {
        Map<String, Double> shares = new LinkedHashMap<>();
        GpuThrottleReason.shares(toArray(masks)).forEach((reason, share) -> shares.put(reason.name(), share));
        return shares;
    }

    private static double[] toArray(List<Double> list) {
        double[] array = new double[list.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = list.get(i);
        }
        return array;
    }

    /** The GPU the CSV and console describe: the one with NVML index {@code index}, else the first; null if none. */
    public @Nullable DeviceReport device(int index) {
        return devices.stream().filter(d -> d.index() == index).findFirst()
                .orElse(devices.isEmpty() ? null : devices.get(0));
    }

    /** Mean GPU utilisation in percent of {@link #device(int)}; NaN if not reported. */
    public double utilizationMean(int index) {
        DeviceReport d = device(index);
        return d == null ? Double.NaN : d.summaryOf(GpuMetric.GPU_UTILIZATION).mean();
    }

    /** Largest memory used, in MiB; NaN if not reported. */
    public double memoryUsedMaxMib(int index) {
        DeviceReport d = device(index);
        return d == null ? Double.NaN : d.summaryOf(GpuMetric.MEMORY_USED).max() / (1024.0 * 1024.0);
    }

    /** Mean power draw in watts; NaN if not reported. */
    public double powerMean(int index) {
        DeviceReport d = device(index);
        return d == null ? Double.NaN : d.summaryOf(GpuMetric.POWER).mean();
    }

    /** Samples of {@link #device(int)}; 0 if none. */
    public int sampleCount(int index) {
        DeviceReport d = device(index);
        return d == null ? 0 : d.sampleCount();
    }
}
