package org.infer4j.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a {@link LatencyRecorder} saw over a period: count, mean, standard deviation, extremes,
 * percentiles and throughput. Latencies are in nanoseconds.
 *
 * <p>Percentiles mean what HdrHistogram means: {@code percentile(p)} is the smallest recorded value
 * (to 3 significant digits, rounded up to the top of its bucket) such that at least {@code p} % of the
 * samples are at or below it. {@link #min()} and {@link #max()} are reported with the same precision.
 * An empty snapshot reports 0 everywhere.
 *
 * <p>Thread-safety: immutable, safe to share.
 */
public final class LatencySnapshot {
    private final Histogram histogram;
    private final long windowStartNanos;
    private final long windowEndNanos;
    private final long correctionSamples;

    LatencySnapshot(Histogram histogram, long windowStartNanos, long windowEndNanos, long correctionSamples) {
        this.histogram = histogram;
        boolean empty = histogram.getTotalCount() == 0 || windowEndNanos < windowStartNanos;
        this.windowStartNanos = empty ? Long.MAX_VALUE : windowStartNanos;
        this.windowEndNanos = empty ? Long.MIN_VALUE : windowEndNanos;
        this.correctionSamples = correctionSamples;
    }

    /** Samples in the histogram, including those added to correct coordinated omission. */
    public long count() {
        return histogram.getTotalCount();
    }

    /**
     * Samples really recorded: {@link #count()} without the corrections of
     * {@link LatencyRecorder#recordWithExpectedInterval}.
     */
    public long measuredCount() {
        return histogram.getTotalCount() - correctionSamples;
    }

    /** Mean latency in nanoseconds. */
    public double mean() {
        return histogram.getMean();
    }

    /** Standard deviation of the latency in nanoseconds. */
    public double stdDev() {
        return histogram.getStdDeviation();
    }

    /** Smallest latency in nanoseconds. */
    public long min() {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMinValue();
    }

    /** Largest latency in nanoseconds. */
    public long max() {
        return histogram.getMaxValue();
    }

    public long p50() {
        return percentile(50);
    }

    public long p90() {
        return percentile(90);
    }

    public long p95() {
        return percentile(95);
    }

    public long p99() {
        return percentile(99);
    }

    public long p999() {
        return percentile(99.9);
    }

    /**
     * The latency in nanoseconds that {@code p} percent of the samples do not exceed.
     *
     * @param p the percentile, {@code 0 < p <= 100}
     * @throws IllegalArgumentException if {@code p} is out of range or NaN
     */
    public long percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p
                    + "; e.g. 99.9 for the 99.9th percentile");
        }
        return histogram.getValueAtPercentile(p);
    }

    /**
     * Nanoseconds from the start of the earliest sample (its end minus its latency) to the end of the
     * latest, on {@link System#nanoTime()}'s clock; 0 when empty.
     */
    public long windowNanos() {
        return windowEndNanos >= windowStartNanos ? windowEndNanos - windowStartNanos : 0;
    }

    /** Measured samples per second over {@link #windowNanos()}; 0 when the window is empty. */
    public double throughputPerSecond() {
        long window = windowNanos();
        return window == 0 ? 0.0 : measuredCount() * 1e9 / window;
    }

    /**
     * This snapshot and {@code other} as one: the histograms added exactly (as if every sample had been
     * recorded by one recorder) and the windows united. Use it to combine recorders of different threads
     * or runs.
     */
    public LatencySnapshot merge(LatencySnapshot other) {
        Histogram merged = histogram.copy();
        merged.add(other.histogram);
        return new LatencySnapshot(merged,
                Math.min(windowStartNanos, other.windowStartNanos),
                Math.max(windowEndNanos, other.windowEndNanos),
                correctionSamples + other.correctionSamples);
    }

    /**
     * The snapshot as an ordered map of plain numbers, with the keys of {@link #toJson()}: what a JSON
     * library (Jackson) serialises directly.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("count", count());
        map.put("measured_count", measuredCount());
        map.put("mean_ns", mean());
        map.put("std_dev_ns", stdDev());
        map.put("min_ns", min());
        map.put("max_ns", max());
        map.put("p50_ns", p50());
        map.put("p90_ns", p90());
        map.put("p95_ns", p95());
        map.put("p99_ns", p99());
        map.put("p999_ns", p999());
        map.put("window_ns", windowNanos());
        map.put("throughput_per_s", throughputPerSecond());
        return Collections.unmodifiableMap(map);
    }

    /**
     * One JSON object: {@code {"count":..,"measured_count":..,"mean_ns":..,"std_dev_ns":..,"min_ns":..,
     * "max_ns":..,"p50_ns":..,"p90_ns":..,"p95_ns":..,"p99_ns":..,"p999_ns":..,"window_ns":..,
     * "throughput_per_s":..}}.
     */
    public String toJson() {
        return Json.object(toMap());
    }

    @Override
    public String toString() {
        return toJson();
    }
}
