package org.infer4j.metrics.internal;

import org.infer4j.metrics.GpuDevice;
import org.infer4j.metrics.GpuThreshold;
import org.infer4j.metrics.GpuThresholdEvent;
import org.jspecify.annotations.Nullable;

/**
 * The state of one {@link GpuThreshold} on one GPU, advanced sample by sample (the semantics are in
 * {@link GpuThreshold}'s documentation).
 *
 * <p>Thread-safety: not thread-safe; confined to the sampling thread.
 */
public final class ThresholdTracker {
    private enum State { INSIDE, CROSSING, BREACHED }

    private final GpuThreshold threshold;
    private final GpuDevice device;
    private final long sustainNanos;
    private State state = State.INSIDE;
    private long crossingSince;

    public ThresholdTracker(GpuThreshold threshold, GpuDevice device) {
        this.threshold = threshold;
        this.device = device;
        this.sustainNanos = threshold.sustain().toNanos();
    }

    public GpuThreshold threshold() {
        return threshold;
    }

    /** Takes the next sample's value; returns the event it causes, if any. */
    public @Nullable GpuThresholdEvent onSample(double value, long timestampNanos) {
        if (Double.isNaN(value)) {
            return null;
        }
        switch (state) {
            case INSIDE -> {
                if (threshold.isCrossedBy(value)) {
                    crossingSince = timestampNanos;
                    state = State.CROSSING;
                    return breachIfSustained(value, timestampNanos);
                }
            }
            case CROSSING -> {
                if (!threshold.isCrossedBy(value)) {
                    state = State.INSIDE;
                } else {
                    return breachIfSustained(value, timestampNanos);
                }
            }
            case BREACHED -> {
                if (threshold.isClearedBy(value)) {
                    state = State.INSIDE;
                    return new GpuThresholdEvent(threshold, device, GpuThresholdEvent.Kind.CLEARED, value,
                            timestampNanos);
                }
            }
        }
        return null;
    }

    private @Nullable GpuThresholdEvent breachIfSustained(double value, long timestampNanos) {
        if (timestampNanos - crossingSince < sustainNanos) {
            return null;
        }
        state = State.BREACHED;
        return new GpuThresholdEvent(threshold, device, GpuThresholdEvent.Kind.BREACHED, value, timestampNanos);
    }
}
