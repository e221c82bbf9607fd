package org.infer4j.metrics;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Min, mean, max and 95th percentile (nearest rank) of one metric over a window; NaN everywhere when
 * the window holds no reported value. Immutable.
 *
 * @param count the samples in the window that reported the metric
 */
public record GpuMetricSummary(int count, double min, double mean, double max, double p95) {

    /** The summary of {@code values}, ignoring NaN (not reported) entries. */
    public static GpuMetricSummary of(double[] values) {
        double[] reported = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (reported.length == 0) {
            return new GpuMetricSummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double sum = 0;
        for (double v : reported) {
            sum += v;
        }
        int p95Rank = (int) Math.ceil(0.95 * reported.length);
        return new GpuMetricSummary(reported.length, reported[0], sum / reported.length,
                reported[reported.length - 1], reported[p95Rank - 1]);
    }

    /** The summary as a map of plain numbers, null where there is no value. */
    public Map<String, @Nullable Object> toMap() {
        Map<String, @Nullable Object> map = new LinkedHashMap<>();
        map.put("count", count);
        map.put("min", Json.finiteOrNull(min));
        map.put("mean", Json.finiteOrNull(mean));
        map.put("max", Json.finiteOrNull(max));
        map.put("p95", Json.finiteOrNull(p95));
        return map;
    }
}
