package org.infer4j.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link GpuSampler} recorded over a window: per GPU the sample count, the achieved sample rate,
 * a summary of each metric, the share of samples with each throttle reason, and the series of values.
 * Timestamps are on {@link System#nanoTime()}'s clock, the same as {@link LatencyRecorder}'s, so a
 * benchmark can take the window of its own run.
 *
 * <p>An unavailable sampler's snapshot says so and why, and has no devices.
 *
 * <p>Thread-safety: immutable, safe to share.
 */
public final class GpuSnapshot {
    private final boolean available;
    private final String unavailableReason;
    private final long periodNanos;
    private final long fromNanos;
    private final long toNanos;
    private final long sampleErrors;
    private final long droppedThresholdEvents;
    private final List<Device> devices;

    GpuSnapshot(boolean available, String unavailableReason, long periodNanos, long fromNanos, long toNanos,
                long sampleErrors, long droppedThresholdEvents, List<Device> devices) {
        this.available = available;
        this.unavailableReason = unavailableReason;
        this.periodNanos = periodNanos;
        this.fromNanos = fromNanos;
        this.toNanos = toNanos;
        this.sampleErrors = sampleErrors;
        this.droppedThresholdEvents = droppedThresholdEvents;
        this.devices = List.copyOf(devices);
    }

    public boolean isAvailable() {
        return available;
    }

    /** Why the sampler could not read any GPU; empty when available. */
    public String unavailableReason() {
        return unavailableReason;
    }

    /** The sampler's configured period in nanoseconds. */
    public long periodNanos() {
        return periodNanos;
    }

    public long fromNanos() {
        return fromNanos;
    }

    public long toNanos() {
        return toNanos;
    }

    /** Reads that failed since the sampler started (each counts once per device). */
    public long sampleErrors() {
        return sampleErrors;
    }

    /** Threshold events lost because listeners fell behind, since the sampler started. */
    public long droppedThresholdEvents() {
        return droppedThresholdEvents;
    }

    public List<Device> devices() {
        return devices;
    }

    /** The snapshot as ordered maps, lists and numbers (what Jackson serialises directly). */
    public Map<String, Object> toMap(boolean withSeries) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("available", available);
        if (!available) {
            map.put("unavailable_reason", unavailableReason);
        }
        map.put("period_ms", periodNanos / 1e6);
        map.put("window_ms", (toNanos - fromNanos) / 1e6);
        map.put("sample_errors", sampleErrors);
        map.put("dropped_threshold_events", droppedThresholdEvents);
        List<Object> deviceMaps = new ArrayList<>();
        for (Device device : devices) {
            deviceMaps.add(device.toMap(withSeries, fromNanos));
        }
        map.put("devices", deviceMaps);
        return Collections.unmodifiableMap(map);
    }

    /** {@link #toMap(boolean) toMap(true)}. */
    public Map<String, Object> toMap() {
        return toMap(true);
    }

    /**
     * JSON: {@code {"available":true,"period_ms":..,"window_ms":..,"sample_errors":..,
     * "dropped_threshold_events":..,"devices":[{"index":0,"name":..,"sample_count":..,"sample_rate_per_s":..,
     * "summary":{"gpu_utilization_percent":{"count":..,"min":..,"mean":..,"max":..,"p95":..},..},
     * "throttle_reasons":{"SW_POWER_CAP":0.25,..},"series":{"t_ms":[..],"gpu_utilization_percent":[..],..}}]}};
     * values a GPU does not report are null. {@code t_ms} is relative to the window's start.
     */
    public String toJson() {
        return Json.object(toMap(true));
    }

    /** {@link #toJson()} without the series: summaries only. */
    public String toSummaryJson() {
        return Json.object(toMap(false));
    }

    @Override
    public String toString() {
        return toSummaryJson();
    }

    /** The samples of one GPU in the window. Immutable. */
    public static final class Device {
        private static final GpuMetric[] METRICS = GpuMetric.values();
        private final GpuDevice device;
        private final long[] timestampsNanos;
        private final double[][] values;

        Device(GpuDevice device, long[] timestampsNanos, double[][] values) {
            this.device = device;
            this.timestampsNanos = timestampsNanos;
            this.values = values;
        }

        public GpuDevice device() {
            return device;
        }

        public int sampleCount() {
            return timestampsNanos.length;
        }

        /** Samples per second actually taken: the sampling cadence achieved. 0 with fewer than 2 samples. */
        public double sampleRatePerSecond() {
            int n = timestampsNanos.length;
            if (n < 2 || timestampsNanos[n - 1] == timestampsNanos[0]) {
                return 0;
            }
            return (n - 1) * 1e9 / (timestampsNanos[n - 1] - timestampsNanos[0]);
        }

        /** When each sample was taken ({@link System#nanoTime()}); a copy. */
        public long[] timestampsNanos() {
            return timestampsNanos.clone();
        }

        /** The values of {@code metric}, one per sample, NaN where not reported; a copy. */
        public double[] values(GpuMetric metric) {
            return values[metric.ordinal()].clone();
        }

        public GpuMetricSummary summary(GpuMetric metric) {
            return GpuMetricSummary.of(values[metric.ordinal()]);
        }

        /** For each throttle reason seen, the fraction of the samples reporting reasons that had it. */
        public Map<GpuThrottleReason, Double> throttleReasonShares() {
            return GpuThrottleReason.shares(values[GpuMetric.THROTTLE_REASONS.ordinal()]);
        }

        Map<String, Object> toMap(boolean withSeries, long originNanos) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("index", device.index());
            map.put("name", device.name());
            map.put("sample_count", sampleCount());
            map.put("sample_rate_per_s", sampleRatePerSecond());
            Map<String, Object> summaries = new LinkedHashMap<>();
            for (GpuMetric metric : METRICS) {
                if (metric.isNumeric()) {
                    summaries.put(metric.key(), summary(metric).toMap());
                }
            }
            map.put("summary", summaries);
            Map<String, Object> reasons = new LinkedHashMap<>();
            throttleReasonShares().forEach((reason, share) -> reasons.put(reason.name(), share));
            map.put("throttle_reasons", reasons);
            if (withSeries) {
                Map<String, Object> series = new LinkedHashMap<>();
                double[] millis = new double[timestampsNanos.length];
                for (int i = 0; i < millis.length; i++) {
                    millis[i] = Math.round((timestampsNanos[i] - originNanos) / 1e3) / 1e3;
                }
                series.put("t_ms", millis);
                for (GpuMetric metric : METRICS) {
                    series.put(metric.key(), Json.finiteOrNull(values[metric.ordinal()]));
                }
                map.put("series", series);
            }
            return map;
        }
    }
}
