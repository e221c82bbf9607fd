package org.infer4j.metrics.internal;

import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuReading;

/**
 * The last {@code capacity} samples of one GPU: a ring buffer of timestamps and of each metric's values.
 * Once full, each new sample overwrites the oldest.
 *
 * <p>Thread-safety: safe; one writer (the sampling thread) and any readers, serialised by the
 * instance's monitor. A reader holds it only to copy a window, so the writer waits microseconds.
 */
public final class MetricHistory {
    private static final GpuMetric[] METRICS = GpuMetric.values();

    private final long[] timestamps;
    private final double[][] values;
    private int next;
    private int size;
    private long appended;

    public MetricHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be at least 1 sample, got " + capacity);
        }
        timestamps = new long[capacity];
        values = new double[METRICS.length][capacity];
    }

    public int capacity() {
        return timestamps.length;
    }

    /** Adds a sample taken at {@code timestampNanos} ({@link System#nanoTime()}); allocates nothing. */
    public synchronized void append(long timestampNanos, GpuReading reading) {
        timestamps[next] = timestampNanos;
        for (GpuMetric metric : METRICS) {
            values[metric.ordinal()][next] = reading.get(metric);
        }
        next = (next + 1) % timestamps.length;
        size = Math.min(size + 1, timestamps.length);
        appended++;
    }

    /** Samples appended since creation, including those the ring has since overwritten. */
    public synchronized long appended() {
        return appended;
    }

    /** The latest value of {@code metric}, or NaN if there is no sample yet. */
    public synchronized double latest(GpuMetric metric) {
        if (size == 0) {
            return Double.NaN;
        }
        return values[metric.ordinal()][(next - 1 + timestamps.length) % timestamps.length];
    }

    /** A copy of the samples taken in {@code [fromNanos, toNanos]}, oldest first. */
    public synchronized HistoryWindow window(long fromNanos, long toNanos) {
        int oldest = (next - size + timestamps.length) % timestamps.length;
        int first = -1;
        int count = 0;
        for (int i = 0; i < size; i++) {
            long t = timestamps[(oldest + i) % timestamps.length];
            if (t >= fromNanos && t <= toNanos) {
                if (first < 0) {
                    first = i;
                }
                count = i - first + 1;
            }
        }
        long[] windowTimestamps = new long[count];
        double[][] windowValues = new double[METRICS.length][count];
        for (int i = 0; i < count; i++) {
            int slot = (oldest + first + i) % timestamps.length;
            windowTimestamps[i] = timestamps[slot];
            for (int m = 0; m < METRICS.length; m++) {
                windowValues[m][i] = values[m][slot];
            }
        }
        return new HistoryWindow(windowTimestamps, windowValues);
    }
}
