package org.infer4j.metrics;

import java.util.Arrays;

/**
 * The values of one sample of one GPU, filled in by a {@link GpuMetricsSource}; a metric the device
 * does not report stays {@link Double#NaN}. The sampler reuses one instance, so sampling allocates
 * nothing.
 *
 * <p>Thread-safety: not thread-safe; owned by the sampling thread.
 */
public final class GpuReading {
    private static final GpuMetric[] METRICS = GpuMetric.values();
    private final double[] values = new double[METRICS.length];

    public GpuReading() {
        clear();
    }

    /** Sets every metric back to NaN (not reported). */
    public void clear() {
        Arrays.fill(values, Double.NaN);
    }

    public void set(GpuMetric metric, double value) {
        values[metric.ordinal()] = value;
    }

    /** The value, or NaN if not reported. */
    public double get(GpuMetric metric) {
        return values[metric.ordinal()];
    }
}
