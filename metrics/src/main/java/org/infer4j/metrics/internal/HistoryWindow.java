package org.infer4j.metrics.internal;

import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuMetricSummary;

/**
 * A copy of consecutive samples of one GPU, oldest first: {@code timestamps[i]} ({@link System#nanoTime()})
 * and, per metric ordinal, {@code values[metric][i]} (NaN where not reported).
 *
 * <p>Thread-safety: the arrays are the caller's to keep; nobody else writes them.
 */
public record HistoryWindow(long[] timestamps, double[][] values) {

    public int size() {
        return timestamps.length;
    }

    public double[] values(GpuMetric metric) {
        return values[metric.ordinal()];
    }

    /** Min, mean, max and nearest-rank p95 of the reported values of {@code metric}. */
    public GpuMetricSummary summary(GpuMetric metric) {
        return GpuMetricSummary.of(values(metric));
    }
}
