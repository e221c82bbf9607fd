package org.infer4j.metrics;

import java.time.Duration;
import java.util.Objects;

/**
 * A bound on one metric that must be crossed for a while before it counts, with hysteresis so a value
 * hovering at the bound does not fire again and again. Immutable.
 *
 * <pre>{@code
 * GpuThreshold.above(GpuMetric.MEMORY_USED_PERCENT, 90).sustainedFor(Duration.ofSeconds(5)).hysteresis(5)
 * GpuThreshold.above(GpuMetric.TEMPERATURE, 85).hysteresis(3)
 * }</pre>
 *
 * <p>Semantics, for an upper bound (a lower bound mirrors it): the threshold is <em>breached</em> once
 * every sample for at least {@link #sustain()} has been strictly above {@link #bound()} (the first
 * such sample suffices when the duration is zero); one sample at or below the bound restarts the wait.
 * A breached threshold <em>clears</em> at the first sample at or below {@code bound - hysteresis}.
 * Each transition is reported once. Samples that do not report the metric change nothing.
 */
public final class GpuThreshold {
    private final GpuMetric metric;
    private final double bound;
    private final boolean upper;
    private final Duration sustain;
    private final double hysteresis;

    private GpuThreshold(GpuMetric metric, double bound, boolean upper, Duration sustain, double hysteresis) {
        this.metric = Objects.requireNonNull(metric, "metric");
        if (!metric.isNumeric()) {
            throw new IllegalArgumentException(metric + " is a bit mask, not a level; a threshold needs one of "
                    + "the numeric metrics");
        }
        if (!Double.isFinite(bound)) {
            throw new IllegalArgumentException("bound must be a finite number, got " + bound);
        }
        this.bound = bound;
        this.upper = upper;
        this.sustain = Objects.requireNonNull(sustain, "sustain");
        if (sustain.isNegative()) {
            throw new IllegalArgumentException("sustain must not be negative, got " + sustain);
        }
        if (!(hysteresis >= 0) || Double.isInfinite(hysteresis)) {
            throw new IllegalArgumentException("hysteresis must be a finite number >= 0 (in the metric's unit), got "
                    + hysteresis);
        }
        this.hysteresis = hysteresis;
    }

    /** Breached while {@code metric} stays above {@code bound}. */
    public static GpuThreshold above(GpuMetric metric, double bound) {
        return new GpuThreshold(metric, bound, true, Duration.ZERO, 0);
    }

    /** Breached while {@code metric} stays below {@code bound}. */
    public static GpuThreshold below(GpuMetric metric, double bound) {
        return new GpuThreshold(metric, bound, false, Duration.ZERO, 0);
    }

    /** The same threshold, breached only after the bound has been crossed for {@code duration}. */
    public GpuThreshold sustainedFor(Duration duration) {
        return new GpuThreshold(metric, bound, upper, duration, hysteresis);
    }

    /** The same threshold, clearing only {@code margin} (in the metric's unit) back inside the bound. */
    public GpuThreshold hysteresis(double margin) {
        return new GpuThreshold(metric, bound, upper, sustain, margin);
    }

    public GpuMetric metric() {
        return metric;
    }

    public double bound() {
        return bound;
    }

    /** True for an upper bound ({@link #above}), false for a lower one. */
    public boolean isUpper() {
        return upper;
    }

    public Duration sustain() {
        return sustain;
    }

    public double hysteresisMargin() {
        return hysteresis;
    }

    /** Whether {@code value} is beyond the bound. */
    public boolean isCrossedBy(double value) {
        return upper ? value > bound : value < bound;
    }

    /** Whether {@code value} is back inside the bound by at least the hysteresis margin. */
    public boolean isClearedBy(double value) {
        return upper ? value <= bound - hysteresis : value >= bound + hysteresis;
    }

    @Override
    public String toString() {
        return metric.key() + (upper ? " > " : " < ") + bound
                + (sustain.isZero() ? "" : " for " + sustain)
                + (hysteresis == 0 ? "" : " (hysteresis " + hysteresis + ")");
    }
}
