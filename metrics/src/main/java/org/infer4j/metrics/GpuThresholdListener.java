package org.infer4j.metrics;

/**
 * Told when a {@link GpuThreshold} is breached or cleared. Called on the sampler's event thread, one
 * event at a time and in order, never on the sampling thread: a slow listener delays later events
 * (and loses them once 256 are waiting), never the samples. Exceptions it throws are counted and
 * ignored.
 */
@FunctionalInterface
public interface GpuThresholdListener {
    void onThresholdEvent(GpuThresholdEvent event);
}
