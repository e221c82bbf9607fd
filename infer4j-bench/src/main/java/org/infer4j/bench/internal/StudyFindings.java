package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The study's four questions answered from its runs, as Markdown tables for a README or a closing
 * note: where ONNX Runtime's CUDA provider already keeps the GPU busy, what TensorRT adds over it,
 * where ONNX Runtime's TensorRT provider and native TensorRT converge, and when CUDA graphs matter.
 * Each table compares runs of one model, batch and sequence length; every figure is a p50 in µs of
 * closed-loop, one-thread runs on dynamic-profile engines, the median over runs where a
 * configuration was measured more than once (rounds, sets). Runs of engines built for different
 * shape ranges are never compared or pooled: a model measured with several is named with each
 * range. Runs given backend options are named with them and compared only with each other. A
 * comparison lacking one of its runs is left out, and the tables say how many were.
 * Stateless.
 */
public final class StudyFindings {
    /** tensorrt / ort-tensorrt within this of 1 counts as converged (issue 3's "within 5 %"). */
    static final double CONVERGED = 0.05;
    /** NVML utilisation at or above this, in %, counts as a busy GPU. */
    static final double BUSY_PERCENT = 90;

    private StudyFindings() {
    }

    /** The Markdown of all four tables. */
    public static String markdown(List<HtmlReport.Run> runs) {
        List<HtmlReport.Row> rows = runs.stream().map(HtmlReport::row)
                .filter(r -> r.threads() == 1 && r.offeredRate() == null && "dynamic".equals(r.profile())).toList();
        Map<String, Set<String>> rangesOfModel = new TreeMap<>();
        rows.forEach(r -> rangesOfModel.computeIfAbsent(name(r), m -> new TreeSet<>()).add(r.profileRanges()));
        Map<Key, List<HtmlReport.Row>> groups = new TreeMap<>();
        for (HtmlReport.Row r : rows) {
            Key key = new Key(name(r), r.profileRanges(), r.batch(), r.seqLen());
            groups.computeIfAbsent(rangesOfModel.get(name(r)).size() > 1 ? key.withRangeInName() : key,
                    k -> new ArrayList<>()).add(r);
        }
        StringBuilder md = new StringBuilder();
        cudaProvider(md, groups);
        tensorRtAdds(md, groups);
        convergence(md, groups);
        graphs(md, groups);
        return md.toString();
    }

    /** The model with the backend options a run was given (another experiment), like {@code m [blockingSync=true]}. */
    private static String name(HtmlReport.Row r) {
        return r.extra().isEmpty() ? r.model() : r.model() + " [" + r.extra() + "]";
    }

    private static void cudaProvider(StringBuilder md, Map<Key, List<HtmlReport.Row>> groups) {
        md.append("### Where ort-cuda keeps the GPU busy\n\n")
                .append("ort-cuda FP32. GPU util is NVML's mean over the timed window (the share of time a kernel ran); ")
                .append("\"busy\" means ≥ ").append(fixed(BUSY_PERCENT)).append(" %. Throughput gain is against the ")
                .append("next smaller batch of the same model and sequence length.\n\n")
                .append("| model | batch | seq | p50 µs | throughput/s | GPU util % | throughput gain | busy |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        Map<String, Double> previousThroughput = new LinkedHashMap<>();
        for (Map.Entry<Key, List<HtmlReport.Row>> e : groups.entrySet()) {
            Stat cuda = stat(e.getValue(), r -> r.backend().equals("ort-cuda") && !r.graphs());
            if (cuda == null) {
                continue;
            }
            Key k = e.getKey();
            String series = k.model() + "/" + k.ranges() + "/" + k.seqLen();
            Double before = previousThroughput.put(series, cuda.throughput());
            md.append(row(k.model(), Integer.toString(k.batch()), seq(k), fixed(cuda.p50()), fixed(cuda.throughput()),
                    cuda.gpuUtil() == null ? "-" : fixed(cuda.gpuUtil()),
                    before == null ? "-" : ratio(cuda.throughput() / before) + "×",
                    cuda.gpuUtil() == null ? "-" : cuda.gpuUtil() >= BUSY_PERCENT ? "yes" : "no"));
        }
        md.append('\n');
    }

    private static void tensorRtAdds(StringBuilder md, Map<Key, List<HtmlReport.Row>> groups) {
        md.append("### What TensorRT adds over ort-cuda\n\n")
                .append("ort-cuda FP32 against the faster of ort-tensorrt and tensorrt (graphs off), in each precision.\n\n")
                .append("| model | batch | seq | ort-cuda p50 µs | best TensorRT FP32 | × | best TensorRT FP16 | × |\n")
                .append("| --- | ---: | ---: | ---: | --- | ---: | --- | ---: |\n");
        int missing = 0;
        for (Map.Entry<Key, List<HtmlReport.Row>> e : groups.entrySet()) {
            Stat cuda = stat(e.getValue(), r -> r.backend().equals("ort-cuda") && !r.graphs());
            Best fp32 = best(e.getValue(), "FP32");
            Best fp16 = best(e.getValue(), "FP16");
            if (cuda == null || fp32 == null && fp16 == null) {
                missing += cuda == null && fp32 == null && fp16 == null ? 0 : 1;
                continue;
            }
            Key k = e.getKey();
            md.append(row(k.model(), Integer.toString(k.batch()), seq(k), fixed(cuda.p50()),
                    describe(fp32), fp32 == null ? "-" : ratio(cuda.p50() / fp32.p50()),
                    describe(fp16), fp16 == null ? "-" : ratio(cuda.p50() / fp16.p50())));
        }
        md.append(missingNote(missing));
    }

    private static void convergence(StringBuilder md, Map<Key, List<HtmlReport.Row>> groups) {
        md.append("### Where ort-tensorrt and tensorrt converge\n\n")
                .append("tensorrt / ort-tensorrt, graphs off; \"converged\" means within ").append(fixed(CONVERGED * 100))
                .append(" % of 1.\n\n")
                .append("| model | batch | seq | precision | ort-tensorrt p50 µs | tensorrt p50 µs | tensorrt / ort-tensorrt ")
                .append("| converged |\n")
                .append("| --- | ---: | ---: | --- | ---: | ---: | ---: | --- |\n");
        pairs(md, groups, "ort-tensorrt", false, "tensorrt", false, (k, precision, ep, trt) -> {
            double q = trt.p50() / ep.p50();
            return row(k.model(), Integer.toString(k.batch()), seq(k), precision, fixed(ep.p50()), fixed(trt.p50()), ratio(q),
                    Math.abs(q - 1) <= CONVERGED ? "yes" : "no");
        });
    }

    private static void graphs(StringBuilder md, Map<Key, List<HtmlReport.Row>> groups) {
        md.append("### When CUDA graphs matter\n\n")
                .append("tensorrt with host arrays, graphs off against on.\n\n")
                .append("| model | batch | seq | precision | p50 µs off | p50 µs on | speed-up | p99/p50 off | p99/p50 on |\n")
                .append("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |\n");
        pairs(md, groups, "tensorrt", false, "tensorrt", true, (k, precision, off, on) -> row(k.model(),
                Integer.toString(k.batch()), seq(k), precision, fixed(off.p50()), fixed(on.p50()),
                ratio(off.p50() / on.p50()) + "×", ratio(off.p99() / off.p50()), ratio(on.p99() / on.p50())));
    }

    /** A table row of two runs of one model, batch, sequence length and precision. */
    private interface PairRow {
        String of(Key key, String precision, Stat a, Stat b);
    }

    /**
     * A row per comparison and precision where both {@code a} and {@code b} ran, then the count of those where only
     * one of them did.
     */
    private static void pairs(StringBuilder md, Map<Key, List<HtmlReport.Row>> groups, String aBackend, boolean aGraphs,
                              String bBackend, boolean bGraphs, PairRow row) {
        int missing = 0;
        for (Map.Entry<Key, List<HtmlReport.Row>> e : groups.entrySet()) {
            for (String precision : List.of("FP32", "FP16")) {
                Stat a = stat(e.getValue(), runsOf(aBackend, precision, aGraphs));
                Stat b = stat(e.getValue(), runsOf(bBackend, precision, bGraphs));
                if (a == null || b == null) {
                    missing += a == null && b == null ? 0 : 1;
                } else {
                    md.append(row.of(e.getKey(), precision, a, b));
                }
            }
        }
        md.append(missingNote(missing));
    }

    /** The faster TensorRT backend, graphs off, in one precision; null if neither ran. */
    private static @Nullable Best best(List<HtmlReport.Row> rows, String precision) {
        Best best = null;
        for (String backend : List.of("ort-tensorrt", "tensorrt")) {
            Stat s = stat(rows, runsOf(backend, precision, false));
            if (s != null && (best == null || s.p50() < best.p50())) {
                best = new Best(backend, s.p50());
            }
        }
        return best;
    }

    /** Runs of one backend and precision, with or without graphs. */
    private static Predicate<HtmlReport.Row> runsOf(String backend, String precision, boolean graphs) {
        return r -> r.backend().equals(backend) && r.precision().equals(precision) && r.graphs() == graphs;
    }

    private static String describe(@Nullable Best best) {
        return best == null ? "-" : best.backend() + " " + fixed(best.p50());
    }

    /** Medians over the rows that match; null if none does. */
    private static @Nullable Stat stat(List<HtmlReport.Row> rows, Predicate<HtmlReport.Row> which) {
        List<HtmlReport.Row> these = rows.stream().filter(which).toList();
        if (these.isEmpty()) {
            return null;
        }
        List<Double> utils = these.stream().map(HtmlReport.Row::gpuUtilMean).filter(Objects::nonNull).toList();
        return new Stat(SamplingOverhead.median(these.stream().map(HtmlReport.Row::p50Us).toList()),
                SamplingOverhead.median(these.stream().map(HtmlReport.Row::p99Us).toList()),
                SamplingOverhead.median(these.stream().map(HtmlReport.Row::throughput).toList()),
                utils.isEmpty() ? null : SamplingOverhead.median(utils));
    }

    private static String missingNote(int missing) {
        return missing == 0 ? "\n" : "\n" + missing + " comparison(s) left out: one of their two runs is missing.\n\n";
    }

    private static String row(String... cells) {
        return Arrays.stream(cells).collect(Collectors.joining(" | ", "| ", " |\n"));
    }

    private static String seq(Key k) {
        return k.seqLen() == null ? "-" : k.seqLen().toString();
    }

    private static String fixed(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String ratio(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * One comparison's model, the shape ranges its engines were built for ("" where not recorded), batch and sequence
     * length; ordered by them (no sequence first).
     */
    private record Key(String model, String ranges, int batch, @Nullable Integer seqLen) implements Comparable<Key> {
        private static final Comparator<Key> ORDER = Comparator.comparing(Key::model).thenComparing(Key::ranges)
                .thenComparing(Key::seqOrZero).thenComparingInt(Key::batch);

        /** This key with its model named with its range, for a model measured on engines of several ranges. */
        Key withRangeInName() {
            return ranges.isEmpty() ? this : new Key(model + " (engine for " + ranges + ")", ranges, batch, seqLen);
        }

        private int seqOrZero() {
            return seqLen == null ? 0 : seqLen;
        }

        @Override
        public int compareTo(Key other) {
            return ORDER.compare(this, other);
        }
    }

    private record Stat(double p50, double p99, double throughput, @Nullable Double gpuUtil) {
    }

    private record Best(String backend, double p50) {
    }
}
