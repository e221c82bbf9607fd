package org.infer4j.examples.internal;

import org.infer4j.metrics.LatencySnapshot;

/** Latency statistics in microseconds, as the result files report them. Immutable. */
public record LatencyMicros(double mean, double median, double min, double max, double std, double p90, double p95,
                            double p99, double p999) {

    public static LatencyMicros of(LatencySnapshot s) {
        return new LatencyMicros(s.mean() / 1e3, s.p50() / 1e3, s.min() / 1e3, s.max() / 1e3, s.stdDev() / 1e3,
                s.p90() / 1e3, s.p95() / 1e3, s.p99() / 1e3, s.p999() / 1e3);
    }
}
