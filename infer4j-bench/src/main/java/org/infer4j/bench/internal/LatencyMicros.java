package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.List;
import org.infer4j.metrics.LatencySnapshot;

/** Latency statistics in microseconds, as the result files report them. Immutable. */
public record LatencyMicros(double mean, double median, double min, double max, double std, double p90, double p95,
                            double p99, double p999) {

    public static LatencyMicros of(LatencySnapshot s) {
        return new LatencyMicros(s.mean() / 1e3, s.p50() / 1e3, s.min() / 1e3, s.max() / 1e3, s.stdDev() / 1e3,
                s.p90() / 1e3, s.p95() / 1e3, s.p99() / 1e3, s.p999() / 1e3);
    }

    /**
     * The latency distribution as {@code [percentile, us]} points, spaced like HdrHistogram's percentile
     * plots (ever closer to 100: 0, 25, 43.8, 57.8, ..., 99.99, ...), ending with the maximum at 100; for
     * the report's distribution chart. Empty for an empty snapshot.
     */
    public static List<List<Double>> curve(LatencySnapshot s) {
        List<List<Double>> points = new ArrayList<>();
        if (s.count() == 0) {
            return points;
        }
        points.add(List.of(0.0, s.min() / 1e3));
        double limit = 100.0 * (1 - 1.0 / Math.max(2, s.count()));
        for (int half = 1; ; half++) {
            double p = 100.0 * (1 - Math.pow(0.5, half / 4.0));
            if (p > limit || half > 80) {
                break;
            }
            points.add(List.of(Math.round(p * 1e4) / 1e4, s.percentile(p) / 1e3));
        }
        points.add(List.of(100.0, s.max() / 1e3));
        return points;
    }
}
