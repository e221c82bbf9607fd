package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What sampling the GPU costs the measured model (issue 4: "p50 changes by less than 1 %"): the
 * median latency with sampling over the median latency with it off, round by round on the same
 * engine and inputs, and the median of those ratios. Immutable.
 *
 * @param baseline the period compared against, {@code off}
 * @param period the period this run sampled at
 * @param p50RatioPerRound p50 with sampling / p50 of the baseline in the same round
 * @param p50Ratio the median of {@code p50RatioPerRound}: the figure to judge
 * @param p50UsBaseline the median of the baseline's round p50s, microseconds
 * @param p50Us the median of this period's round p50s, microseconds
 * @param limitPercent the allowed change, 1 %
 * @param withinLimit whether {@code |p50Ratio - 1| < limitPercent / 100}
 */
public record SamplingOverhead(String baseline, String period, List<Double> p50RatioPerRound, double p50Ratio,
                               double p50UsBaseline, double p50Us, double limitPercent, boolean withinLimit) {
    public static final double LIMIT_PERCENT = 1.0;

    public SamplingOverhead {
        p50RatioPerRound = List.copyOf(p50RatioPerRound);
    }

    /** From the round-by-round p50s of the baseline and of the sampled run (same length, same rounds). */
    public static SamplingOverhead of(SamplePeriod baseline, SamplePeriod period, List<Double> baselineP50s,
                                      List<Double> p50s) {
        if (baselineP50s.size() != p50s.size() || p50s.isEmpty()) {
            throw new IllegalArgumentException("need the same number (>= 1) of rounds for both periods, got "
                    + baselineP50s.size() + " and " + p50s.size());
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < p50s.size(); i++) {
            ratios.add(p50s.get(i) / baselineP50s.get(i));
        }
        double ratio = median(ratios);
        return new SamplingOverhead(baseline.label(), period.label(), ratios, ratio, median(baselineP50s), median(p50s),
                LIMIT_PERCENT, Math.abs(ratio - 1) < LIMIT_PERCENT / 100);
    }

    /** The change in percent, e.g. +0.4 for a ratio of 1.004. */
    public double changePercent() {
        return (p50Ratio - 1) * 100;
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "p50 %s/%s = %.4f (%+.2f %%, median of %d rounds: %s) %s", period,
                baseline, p50Ratio, changePercent(), p50RatioPerRound.size(), Arrays.toString(
                        p50RatioPerRound.stream().map(r -> String.format(java.util.Locale.ROOT, "%.4f", r)).toArray()),
                withinLimit ? "within " + limitPercent + " %" : "OVER " + limitPercent + " %");
    }
}
