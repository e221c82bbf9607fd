package org.infer4j.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * Records latencies in nanoseconds from any number of threads and summarises them in
 * {@link LatencySnapshot}s.
 *
 * <p>Values from 1 ns to 1 hour are kept with 3 significant digits (HdrHistogram): a reported value is
 * within 0.1 % of a recorded one. Values above 1 hour are recorded as 1 hour.
 *
 * <p>Thread-safety: safe for any number of threads. {@link #record} takes no lock and allocates
 * nothing: the histogram write is wait-free (HdrHistogram's {@link Recorder}) and the bounds of the
 * recording window are kept in {@link LongAccumulator}s, which are lock-free and striped across
 * threads. {@link #snapshot} and {@link #reset} serialise with each other, never with {@code record}.
 * A sample recorded while {@link #reset} runs lands in either the old or the new period.
 *
 * <h2>Fixed-rate load and coordinated omission</h2>
 * A load generator that sends a request every {@code T} ns but waits for each reply before sending
 * the next stops sending while the system stalls, so the requests that would have waited are never
 * measured and the percentiles look better than what users see. For such runs record with
 * {@link #recordWithExpectedInterval(long, long)}: when a sample exceeds the interval, HdrHistogram
 * also records the latencies the missed requests would have had ({@code value - T},
 * {@code value - 2T}, ... down to {@code T}). Those corrected samples count in every percentile and
 * in {@link LatencySnapshot#count()}, but not in {@link LatencySnapshot#measuredCount()} or the
 * throughput, which stay what was really done. Do not use it for closed-loop
 * ("as fast as possible") runs, where there is no expected interval.
 */
public final class LatencyRecorder {
    static final long LOWEST_NANOS = 1;
    static final long HIGHEST_NANOS = TimeUnit.HOURS.toNanos(1);
    static final int SIGNIFICANT_DIGITS = 3;

    private final Recorder recorder = new Recorder(LOWEST_NANOS, HIGHEST_NANOS, SIGNIFICANT_DIGITS);
    private final LongAccumulator windowStart = new LongAccumulator(Math::min, Long.MAX_VALUE);
    private final LongAccumulator windowEnd = new LongAccumulator(Math::max, Long.MIN_VALUE);
    private final LongAdder correctionSamples = new LongAdder();

    private final Object snapshotLock = new Object();
    private final Histogram sinceReset = newHistogram();
    /** The interval histogram the recorder hands back last, given to it again to avoid allocating. */
    private @Nullable Histogram recycled;

    private LatencyRecorder() {}

    /** A recorder for 1 ns .. 1 h with 3 significant digits. */
    public static LatencyRecorder create() {
        return new LatencyRecorder();
    }

    /**
     * Records one latency, measured as ending now.
     *
     * @param nanos the latency in nanoseconds; values above 1 hour are recorded as 1 hour
     * @throws IllegalArgumentException if {@code nanos} is negative
     */
    public void record(long nanos) {
        long clamped = checkAndClamp(nanos);
        recorder.recordValue(clamped);
        extendWindow(clamped);
    }

    /**
     * Records one latency from a fixed-rate run, correcting for coordinated omission (see the class
     * documentation).
     *
     * @param nanos the latency in nanoseconds; values above 1 hour are recorded as 1 hour
     * @param expectedIntervalNanos the time between two requests of the fixed-rate schedule
     * @throws IllegalArgumentException if {@code nanos} is negative or {@code expectedIntervalNanos} is
     *     not positive
     */
    public void recordWithExpectedInterval(long nanos, long expectedIntervalNanos) {
        if (expectedIntervalNanos <= 0) {
            throw new IllegalArgumentException("expectedIntervalNanos must be positive (the period of the "
                    + "fixed-rate schedule), got " + expectedIntervalNanos
                    + "; for closed-loop runs use record(nanos)");
        }
        long clamped = checkAndClamp(nanos);
        recorder.recordValueWithExpectedInterval(clamped, expectedIntervalNanos);
        // HdrHistogram adds value - k*interval for every k >= 1 that leaves at least one interval
        long corrections = clamped / expectedIntervalNanos - 1;
        if (corrections > 0) {
            correctionSamples.add(corrections);
        }
        extendWindow(clamped);
    }

    /**
     * Everything recorded since creation or the last {@link #reset()}. The recorder keeps recording;
     * the snapshot does not change afterwards.
     */
    public LatencySnapshot snapshot() {
        synchronized (snapshotLock) {
            sinceReset.add(takeInterval());
            return new LatencySnapshot(sinceReset.copy(), windowStart.get(), windowEnd.get(),
                    correctionSamples.sum());
        }
    }

    /** Forgets everything recorded so far; the next snapshot covers only later samples. */
    public void reset() {
        synchronized (snapshotLock) {
            takeInterval();
            sinceReset.reset();
            windowStart.reset();
            windowEnd.reset();
            correctionSamples.reset();
        }
    }

    private Histogram takeInterval() {
        Histogram interval = recycled == null
                ? recorder.getIntervalHistogram()
                : recorder.getIntervalHistogram(recycled);
        recycled = interval;
        return interval;
    }

    private void extendWindow(long nanos) {
        long now = System.nanoTime();
        long start = now - nanos;
        // the start only moves when a sample began before every earlier one: skip the write otherwise
        if (start < windowStart.get()) {
            windowStart.accumulate(start);
        }
        windowEnd.accumulate(now);
    }

    private static long checkAndClamp(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("latency must not be negative, got " + nanos
                    + " ns; measure with System.nanoTime() differences (end - start), not wall-clock time");
        }
        return Math.min(nanos, HIGHEST_NANOS);
    }

    static Histogram newHistogram() {
        return new Histogram(LOWEST_NANOS, HIGHEST_NANOS, SIGNIFICANT_DIGITS);
    }
}
