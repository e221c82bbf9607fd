package org.infer4j.metrics;

import java.util.Objects;

/**
 * A {@link GpuThreshold} changing state on one GPU. Immutable.
 *
 * @param threshold the threshold
 * @param device the GPU
 * @param kind whether it was breached or cleared
 * @param value the metric's value in the sample that changed the state
 * @param timestampNanos when that sample was taken, on {@link System#nanoTime()}'s clock
 */
public record GpuThresholdEvent(GpuThreshold threshold, GpuDevice device, Kind kind, double value,
                                long timestampNanos) {

    public enum Kind {
        BREACHED,
        CLEARED
    }

    public GpuThresholdEvent {
        Objects.requireNonNull(threshold, "threshold");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(kind, "kind");
    }
}
