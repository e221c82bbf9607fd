package org.infer4j.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The benchmark's HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched)
 * built from run JSONs, new or old (fields added later, such as {@code profile}, {@code threads},
 * {@code load}, {@code latency_percentiles_us}, {@code hygiene} and {@code pytorch}, are optional). Sections:
 * device and versions, measurement hygiene, per model p50/p99 bars with PyTorch beside ours and the latency
 * distribution per configuration, throughput vs batch, latency vs sequence length, latency vs offered rate,
 * GPU utilisation over time, and a summary table. Stateless.
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    /** One run's JSON and the set it came from (e.g. the directory: {@code bench}, {@code bench-cached}), or "". */
    public record Run(String set, JsonNode json) {
    }

    /** Writes the report of {@code runs} to {@code file}. */
    public static void write(Path file, List<Run> runs, List<String> notes, String title) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, render(runs, notes, title), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Each chart of a rendered report as a standalone SVG document, by file name ({@code resnet50-latency-p50-p99-us.svg}
     * from the chart's title), for a README or slides.
     */
    public static Map<String, String> charts(String html) {
        Map<String, String> charts = new LinkedHashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?s)<svg .*?</svg>").matcher(html);
        while (m.find()) {
            String svg = m.group();
            java.util.regex.Matcher title = java.util.regex.Pattern.compile("<title>(.*?)</title>").matcher(svg);
            String name = title.find() ? title.group(1).toLowerCase(Locale.ROOT).replace("&amp;", "and")
                    .replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "") : "chart";
            String unique = name;
            for (int i = 2; charts.containsKey(unique + ".svg"); i++) {
                unique = name + "-" + i;
            }
            charts.put(unique + ".svg", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg);
        }
        return charts;
    }

    /** A run as the report sees it, read leniently from its JSON. */
    record Row(String set, String model, String backend, String precision, int batch, @Nullable Integer seqLen, boolean graphs,
               String profile, String profileRanges, int threads, String mode, @Nullable Double offeredRate, double achievedRate,
               @Nullable Boolean keptUp, double meanUs, double p50Us, double p90Us, double p99Us, double p999Us, double minUs,
               double maxUs, double throughput, double buildMs, @Nullable Double firstRunMs, String agreement, @Nullable Double gpuUtilMean,
               List<double[]> gpuSeries, List<double[]> curve, @Nullable Double pytorchEagerUs, @Nullable Double pytorchGraphUs,
               @Nullable String pytorchGraphError, boolean pytorchShapesMatch, long iterations, int warmup, String timestamp,
               String extra) {

        /** The configuration without model: {@code tensorrt FP16 graphs static 4 threads @500/s [bench-cached]}. */
        String config(boolean withSet, boolean withBatch, boolean withSeq) {
            StringBuilder sb = new StringBuilder(backend).append(' ').append(precision);
            if (withBatch) {
                sb.append(" b").append(batch);
            }
            if (withSeq && seqLen != null) {
                sb.append(" s").append(seqLen);
            }
            if (graphs) {
                sb.append(" graphs");
            }
            if ("static".equals(profile)) {
                sb.append(" static");
            }
            if (threads > 1) {
                sb.append(' ').append(threads).append(" thr");
            }
            if (offeredRate != null) {
                sb.append(" @").append(Svg.number(offeredRate)).append("/s");
            }
            if (!extra.isEmpty()) {
                sb.append(' ').append(extra);
            }
            if (withSet && !set.isEmpty()) {
                sb.append(" [").append(set).append(']');
            }
            return sb.toString();
        }
    }

    static Row row(Run run) {
        JsonNode j = run.json();
        JsonNode l = j.path("latency_us");
        JsonNode load = j.path("load");
        JsonNode agreement = j.path("agreement");
        String verdict = !agreement.path("compared").asBoolean(false) ? "skipped"
                : agreement.path("passed").asBoolean() ? "ok" : "FAIL";
        JsonNode device = firstGpu(j);
        Double util = null;
        List<double[]> series = new ArrayList<>();
        if (device != null) {
            JsonNode u = device.path("summary").path("gpu_utilization_percent").path("mean");
            util = u.isNumber() ? u.asDouble() : null;
            JsonNode t = device.path("series").path("t_ms");
            JsonNode v = device.path("series").path("gpu_utilization_percent");
            double step = t.size() > 2 ? (t.get(t.size() - 1).asDouble() - t.get(0).asDouble()) / (t.size() - 1) : 0;
            for (int i = 0; i < t.size() && i < v.size(); i++) {
                if (i > 0 && step > 0 && t.get(i).asDouble() - t.get(i - 1).asDouble() > 5 * step) {
                    series.add(new double[] {Double.NaN, Double.NaN}); // between rounds: no line across the gap
                }
                if (v.get(i).isNumber()) {
                    series.add(new double[] {t.get(i).asDouble() / 1e3, v.get(i).asDouble()});
                }
            }
        }
        List<double[]> curve = new ArrayList<>();
        JsonNode points = j.path("latency_percentiles_us");
        if (points.isArray() && !points.isEmpty()) {
            points.forEach(p -> curve.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()}));
        } else { // older files: the percentiles of the summary
            curve.add(new double[] {0, num(l, "min")});
            curve.add(new double[] {50, num(l, "median")});
            curve.add(new double[] {90, num(l, "p90")});
            curve.add(new double[] {95, num(l, "p95")});
            curve.add(new double[] {99, num(l, "p99")});
            curve.add(new double[] {99.9, num(l, "p999")});
        }
        if (curve.size() >= 2 && curve.get(curve.size() - 1)[0] >= 100) { // the maximum: half a step past the last percentile
            double previous = curve.get(curve.size() - 2)[0];
            curve.get(curve.size() - 1)[0] = 100 - (100 - previous) / 2;
        }
        JsonNode py = j.path("pytorch");
        int batch = j.path("batch").asInt(1);
        double throughput = num(j, "throughput_fps");
        return new Row(run.set(), j.path("model").asText("?").replaceFirst("\\.onnx$", ""), j.path("backend").asText("?"),
                j.path("precision").asText("?"), batch, j.path("seq_len").isNumber() ? j.path("seq_len").asInt() : null,
                j.path("cuda_graphs").asBoolean(false), j.path("profile").asText("dynamic"), profileRanges(j.path("profile_ranges")), j.path("threads").asInt(1),
                load.path("mode").asText("closed"), load.path("offered_rate_per_s").isNumber()
                        ? load.path("offered_rate_per_s").asDouble() : null,
                load.path("achieved_rate_per_s").isNumber() ? load.path("achieved_rate_per_s").asDouble() : throughput / batch,
                load.path("kept_up").isBoolean() ? load.path("kept_up").asBoolean() : null, num(l, "mean"), num(l, "median"),
                num(l, "p90"), num(l, "p99"), num(l, "p999"), num(l, "min"), num(l, "max"), throughput, num(j, "build_ms"),
                optional(j, "first_run_ms"), verdict,
                util, series, curve, optional(py, "eager_us"), optional(py, "cuda_graph_us"),
                py.path("cuda_graph_error").isTextual() ? py.path("cuda_graph_error").asText() : null,
                py.path("shapes_match").asBoolean(false), j.path("iterations").asLong(), j.path("warmup").asInt(),
                j.path("timestamp").asText(""), extra(j));
    }

    /**
     * The shape ranges an engine was built for, like {@code 1x3x224x224..32x3x224x224} (an input's range once however many
     * inputs share it, a fixed shape as itself); "" where the run's JSON does not say (files written before they were
     * recorded).
     */
    static String profileRanges(JsonNode ranges) {
        Set<String> labels = new LinkedHashSet<>();
        ranges.fields().forEachRemaining(e -> {
            String min = dims(e.getValue().path("min"));
            String max = dims(e.getValue().path("max"));
            labels.add(min.equals(max) ? min : min + ".." + max);
        });
        return String.join(", ", labels);
    }

    private static String dims(JsonNode shape) {
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.get(i).asLong();
        }
        return InputShapes.format(dims);
    }

    /** What else tells runs of one configuration apart: backend options, and the GPU sample period of runs in rounds. */
    private static String extra(JsonNode j) {
        List<String> parts = new ArrayList<>();
        j.path("options").fields().forEachRemaining(e -> parts.add(e.getKey().replaceFirst("^.*\\.", "") + "="
                + e.getValue().asText()));
        if (j.path("rounds").isObject()) {
            parts.add("gpu " + j.path("gpu_sample_period").asText("?"));
        }
        return String.join(" ", parts);
    }

    private static @Nullable JsonNode firstGpu(JsonNode j) {
        JsonNode devices = j.path("gpu").path("devices");
        if (!devices.isArray() || devices.isEmpty()) {
            return null;
        }
        int index = j.path("device").path("device_index").asInt(0);
        for (JsonNode d : devices) {
            if (d.path("index").asInt(-1) == index) {
                return d;
            }
        }
        return devices.get(0);
    }

    private static double num(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }

    private static @Nullable Double optional(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isNumber() ? v.asDouble() : null;
    }

    /** Model, then configuration, then batch and sequence length in numeric order. */
    private static final Comparator<Row> ORDER = Comparator.comparing(Row::model).thenComparing(Row::backend)
            .thenComparing(Row::precision).thenComparing(Row::graphs).thenComparing(Row::profile).thenComparingInt(Row::threads)
            .thenComparingDouble(r -> r.offeredRate() == null ? 0 : r.offeredRate()).thenComparing(Row::extra)
            .thenComparingInt(Row::batch).thenComparingInt(r -> r.seqLen() == null ? 0 : r.seqLen()).thenComparing(Row::set);

    /** The sequence length charts by model show: 128 where measured, else the middle one; null without sequences. */
    static @Nullable Integer representativeSeq(List<Row> rows) {
        List<Integer> seqs = rows.stream().map(Row::seqLen).filter(java.util.Objects::nonNull).distinct().sorted().toList();
        if (seqs.isEmpty()) {
            return null;
        }
        return seqs.contains(128) ? 128 : seqs.get(seqs.size() / 2);
    }

    private static String workload(String model, int batch, @Nullable Integer seq) {
        return model + ", batch " + batch + (seq != null ? ", seq " + seq : "");
    }

    /** The HTML text. */
    public static String render(List<Run> runs, List<String> notes, String title) {
        List<Row> rows = runs.stream().map(HtmlReport::row).sorted(ORDER).toList();
        // sets are named only where one configuration appears in several (e.g. built cold and from the cache)
        Map<String, Set<String>> setsOf = new LinkedHashMap<>();
        rows.forEach(r -> setsOf.computeIfAbsent(r.model() + " " + r.config(false, true, true), k -> new LinkedHashSet<>())
                .add(r.set()));
        boolean manySets = setsOf.values().stream().anyMatch(s -> s.size() > 1);
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(Svg.escape(title))
                .append("</title>\n<style>\n").append(CSS).append("</style></head><body>\n");
        h.append("<h1>").append(Svg.escape(title)).append("</h1>\n");
        h.append("<p class=\"meta\">").append(rows.size()).append(" runs, ")
                .append(rows.stream().map(Row::model).distinct().count()).append(" models; report generated ")
                .append(Instant.now().toString(), 0, 19).append("Z by infer4j ").append(Svg.escape(Environment.infer4jVersion()))
                .append(". Self-contained: no script, nothing loaded from the network.</p>\n");
        environment(h, runs);
        hygiene(h, runs, rows);
        if (!notes.isEmpty()) {
            h.append("<section id=\"notes\"><h2>Notes</h2><ul>");
            notes.forEach(n -> h.append("<li>").append(Svg.escape(n)).append("</li>"));
            h.append("</ul></section>\n");
        }
        Map<String, List<Row>> byModel = new LinkedHashMap<>();
        rows.stream().sorted(Comparator.comparing(Row::model)).forEach(r -> byModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r));

        h.append("<section id=\"latency\"><h2>Latency per model: p50 and p99, PyTorch beside ours</h2>\n")
                .append("<p>Bars are p50, the black tick p99 of each configuration (closed-loop runs; fixed-rate runs are in ")
                .append("their own chart). PyTorch rows (models.py, same model and precision, eager and CUDA-graph replay) ")
                .append("appear where PyTorch timed the same input shapes. One chart per model and batch size (sequence length 128 ")
                .append("where measured; the sequence-length chart below has the others). Mind the difference: models.py reports the mean ")
                .append("of back-to-back calls with inputs already on the GPU and one synchronisation at the end (pipelined), ")
                .append("while ours are per-call latencies that include copying inputs to the GPU and outputs back, each call ")
                .append("synchronised.</p>\n");
        for (Map.Entry<String, List<Row>> e : byModel.entrySet()) {
            Integer seq = representativeSeq(e.getValue());
            List<Integer> batches = e.getValue().stream().map(Row::batch).distinct().sorted().toList();
            for (int batch : batches) {
                List<Row> these = e.getValue().stream().filter(r -> r.batch() == batch
                        && java.util.Objects.equals(r.seqLen(), seq)).toList();
                if (!these.isEmpty()) {
                    h.append("<div class=\"fig\">").append(p50p99Chart(workload(e.getKey(), batch, seq), these, manySets))
                            .append("</div>\n");
                }
            }
        }
        h.append("</section>\n<section id=\"distribution\"><h2>Latency distribution per backend</h2>\n")
                .append("<p>Latency at each percentile, HdrHistogram-style: the x axis stretches the tail (90 %, 99 %, 99.9 % ")
                .append("equally spaced). Runs written before the distribution was recorded show their summary percentiles only ")
                .append("(min, p50, p90, p95, p99, p99.9). One workload per model (the smallest batch, sequence length 128 ")
                .append("where measured); the table has every run.</p>\n");
        for (Map.Entry<String, List<Row>> e : byModel.entrySet()) {
            Integer seq = representativeSeq(e.getValue());
            int batch = e.getValue().stream().mapToInt(Row::batch).min().orElse(1);
            List<Row> these = e.getValue().stream().filter(r -> r.offeredRate() == null && r.batch() == batch
                    && java.util.Objects.equals(r.seqLen(), seq)).toList();
            if (!these.isEmpty()) {
                h.append("<div class=\"fig\">").append(distributionChart(workload(e.getKey(), batch, seq), these, manySets))
                        .append("</div>\n");
            }
        }
        h.append("</section>\n");
        sweepChart(h, "throughput", "Throughput vs batch size", byModel, manySets, true);
        sweepChart(h, "seqlen", "Latency vs sequence length (transformers)", byModel, manySets, false);
        rateChart(h, byModel, manySets);
        threadsChart(h, byModel, manySets);
        gpuCharts(h, rows, manySets);
        table(h, rows, manySets);
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void environment(StringBuilder h, List<Run> runs) {
        Set<String> devices = new LinkedHashSet<>();
        Set<String> backends = new LinkedHashSet<>();
        Map<String, Set<String>> versions = new TreeMap<>();
        Set<String> hosts = new LinkedHashSet<>();
        for (Run run : runs) {
            JsonNode d = run.json().path("device");
            if (d.path("info").isTextual()) {
                devices.add(d.path("info").asText());
            }
            if (d.path("backend").isTextual()) {
                backends.add(d.path("backend").asText());
            }
            run.json().path("versions").fields().forEachRemaining(e -> versions.computeIfAbsent(e.getKey(), k -> new LinkedHashSet<>())
                    .add(e.getValue().asText()));
            if (run.json().path("hostname").isTextual()) {
                hosts.add(run.json().path("hostname").asText());
            }
        }
        h.append("<section id=\"environment\"><h2>Device and versions</h2><dl>");
        h.append("<dt>device</dt><dd>").append(Svg.escape(devices.isEmpty() ? "not recorded (--device-info)" : String.join("; ", devices)))
                .append("</dd>");
        h.append("<dt>backends</dt><dd>").append(backends.stream().map(Svg::escape).collect(Collectors.joining("<br>"))).append("</dd>");
        h.append("<dt>versions</dt><dd>").append(versions.entrySet().stream()
                .map(e -> Svg.escape(e.getKey() + " " + String.join(" / ", e.getValue()))).collect(Collectors.joining(", ")))
                .append("</dd>");
        h.append("<dt>host</dt><dd>").append(Svg.escape(String.join(", ", hosts))).append("</dd></dl></section>\n");
    }

    private static void hygiene(StringBuilder h, List<Run> runs, List<Row> rows) {
        Map<String, Set<String>> stated = new LinkedHashMap<>();
        int sampled = 0;
        Set<String> warmups = new LinkedHashSet<>();
        Set<String> seeds = new LinkedHashSet<>();
        for (int i = 0; i < runs.size(); i++) {
            JsonNode j = runs.get(i).json();
            JsonNode hy = j.path("hygiene");
            hy.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("gpu_sampling") && !e.getKey().equals("load")) {
                    stated.computeIfAbsent(e.getKey(), k -> new LinkedHashSet<>()).add(e.getValue().asText());
                }
            });
            warmups.add(Integer.toString(rows.get(i).warmup()));
            seeds.add(j.path("seed").asText("?"));
            if (!j.path("gpu").isMissingNode() && !j.path("gpu").isNull()) {
                sampled++;
            }
        }
        h.append("<section id=\"hygiene\" class=\"hygiene\"><h2>Measurement hygiene</h2><ul>");
        h.append("<li><b>Warm-up separated from timing:</b> ").append(String.join(", ", warmups))
                .append(" untimed runs on every binding before any timed window; they count in no figure.</li>");
        h.append("<li><b>Explicit synchronisation:</b> ").append(Svg.escape(Hygiene.SYNCHRONISATION)).append(".</li>");
        h.append("<li><b>Identical inputs across backends:</b> seeded inputs (seed ").append(Svg.escape(String.join(", ", seeds)))
                .append("), the same values on every backend and precision; outputs compared with the reference (ort-cpu).</li>");
        h.append("<li><b>Engine build apart from steady state:</b> ").append(Svg.escape(Hygiene.BUILD)).append(".</li>");
        h.append("<li><b>GPU sampled during each run:</b> ").append(sampled).append(" of ").append(runs.size())
                .append(" runs carry NVML samples of their timed windows; the others ran with sampling off")
                .append(sampled < runs.size() ? " (older runs, or --gpu-sample-period off, or no NVML)" : "").append(".</li>");
        h.append("<li><b>Load:</b> closed loop unless a run says fixed-rate; fixed-rate latency counts from each request's ")
                .append("intended start, so queueing behind a slow engine is included (no coordinated omission).</li>");
        stated.forEach((k, v) -> {
            if (v.size() > 1) {
                h.append("<li><b>").append(Svg.escape(k)).append(" (as the runs state it):</b> ")
                        .append(v.stream().map(Svg::escape).collect(Collectors.joining("; "))).append("</li>");
            }
        });
        h.append("</ul></section>\n");
    }

    private static String p50p99Chart(String model, List<Row> rows, boolean manySets) {
        List<Svg.Bar> bars = new ArrayList<>();
        List<Row> closed = rows.stream().filter(r -> r.offeredRate() == null).toList();
        Map<String, Integer> colors = new LinkedHashMap<>();
        for (Row r : closed) {
            int c = colors.computeIfAbsent(r.backend(), k -> colors.size());
            String label = r.config(manySets, false, false);
            bars.add(new Svg.Bar(label, r.p50Us(), Svg.color(c), String.format(Locale.ROOT, "p50 %s  p99 %s us",
                    Svg.number(r.p50Us()), Svg.number(r.p99Us())), r.p99Us()));
        }
        Set<String> peers = new LinkedHashSet<>();
        for (Row r : closed) {
            if (r.pytorchShapesMatch() && peers.add(r.precision())) {
                String shape = "";
                bars.add(new Svg.Bar("PyTorch eager " + r.precision() + shape, r.pytorchEagerUs() == null ? Double.NaN
                        : r.pytorchEagerUs(), "#555555", r.pytorchEagerUs() == null ? "not measured"
                        : Svg.number(r.pytorchEagerUs()) + " us (mean)", null));
                bars.add(new Svg.Bar("PyTorch CUDA graph " + r.precision() + shape, r.pytorchGraphUs() == null ? Double.NaN
                        : r.pytorchGraphUs(), "#999999", r.pytorchGraphUs() != null ? Svg.number(r.pytorchGraphUs()) + " us (mean)"
                        : "capture failed: " + clip(r.pytorchGraphError() == null ? "not measured" : r.pytorchGraphError(), 60),
                        null));
            }
        }
        return Svg.barChart(model + ": latency p50 / p99 (us)", "latency, microseconds", bars, "p99");
    }

    private static String distributionChart(String model, List<Row> rows, boolean manySets) {
        List<Svg.Series> series = new ArrayList<>();
        int i = 0;
        for (Row r : rows) {
            series.add(new Svg.Series(r.config(manySets, false, false), Svg.color(i++), r.curve()));
        }
        double lo = rows.stream().mapToDouble(Row::minUs).filter(v -> v > 0).min().orElse(1);
        double hi = rows.stream().mapToDouble(Row::p999Us).filter(Double::isFinite).max().orElse(1);
        Svg.Scale y = hi / lo > 20 ? Svg.Scale.LOG : Svg.Scale.LINEAR;
        return Svg.lineChart(model + ": latency by percentile", "percentile", "latency, us" + (y == Svg.Scale.LOG ? " (log)" : ""),
                series, Svg.Scale.PERCENTILE, y, null);
    }

    /**
     * Throughput against batch (at the representative sequence length), or p50 latency against sequence length (one
     * chart per batch size): one line per configuration with several points, few enough lines to tell apart.
     */
    private static void sweepChart(StringBuilder h, String id, String title, Map<String, List<Row>> byModel, boolean manySets,
                                   boolean batch) {
        h.append("<section id=\"").append(id).append("\"><h2>").append(Svg.escape(title)).append("</h2>\n");
        int drawn = 0;
        for (Map.Entry<String, List<Row>> e : byModel.entrySet()) {
            Map<String, List<Row>> charts = new LinkedHashMap<>();
            Integer seq = representativeSeq(e.getValue());
            e.getValue().stream().filter(r -> r.offeredRate() == null)
                    .filter(r -> batch ? java.util.Objects.equals(r.seqLen(), seq) : r.seqLen() != null)
                    .sorted(Comparator.comparingInt(Row::batch))
                    .forEach(r -> charts.computeIfAbsent(batch ? e.getKey() + (seq != null ? ", seq " + seq : "")
                            : e.getKey() + ", batch " + r.batch(), k -> new ArrayList<>()).add(r));
            for (Map.Entry<String, List<Row>> chart : charts.entrySet()) {
                Map<String, List<double[]>> lines = new LinkedHashMap<>();
                for (Row r : chart.getValue()) {
                    lines.computeIfAbsent(r.config(manySets, false, false), k -> new ArrayList<>()).add(batch
                            ? new double[] {r.batch(), r.throughput()} : new double[] {r.seqLen(), r.p50Us()});
                }
                List<Svg.Series> series = curves(lines);
                if (series.isEmpty()) {
                    continue;
                }
                h.append("<div class=\"fig\">").append(batch
                        ? Svg.lineChart(chart.getKey() + ": throughput vs batch", "batch size (log)", "samples per second",
                                series, Svg.Scale.LOG, Svg.Scale.LINEAR, null)
                        : Svg.lineChart(chart.getKey() + ": p50 latency vs sequence length", "sequence length (log)",
                                "p50 latency, us", series, Svg.Scale.LOG, Svg.Scale.LINEAR, null)).append("</div>\n");
                drawn++;
            }
        }
        if (drawn == 0) {
            h.append("<p class=\"empty\">These results hold one ").append(batch ? "batch size" : "sequence length")
                    .append(" per configuration; sweep --").append(batch ? "batch 1,8,32" : "seq-len 32,128,512")
                    .append(" to draw this chart.</p>\n");
        }
        h.append("</section>\n");
    }

    /**
     * A series per line of {@code lines} that has at least two distinct x values, its points in x order, each in its
     * own colour; empty when no line has.
     */
    private static List<Svg.Series> curves(Map<String, List<double[]>> lines) {
        List<Svg.Series> series = new ArrayList<>();
        for (Map.Entry<String, List<double[]>> l : lines.entrySet()) {
            List<double[]> points = l.getValue();
            if (points.stream().mapToDouble(p -> p[0]).distinct().count() >= 2) {
                points.sort(Comparator.comparingDouble(p -> p[0]));
                series.add(new Svg.Series(l.getKey(), Svg.color(series.size()), points));
            }
        }
        return series;
    }

    private static void rateChart(StringBuilder h, Map<String, List<Row>> byModel, boolean manySets) {
        h.append("<section id=\"fixed-rate\"><h2>Latency under offered load (fixed rate)</h2>\n<p>p50 (solid) and p99 (dashed) ")
                .append("latency, measured from each request's intended start, against the offered rate. A backend that cannot ")
                .append("sustain a rate queues requests and its latency climbs steeply there.</p>\n");
        int drawn = 0;
        for (Map.Entry<String, List<Row>> e : byModel.entrySet()) {
            Map<String, List<Row>> lines = new LinkedHashMap<>();
            e.getValue().stream().filter(r -> r.offeredRate() != null).sorted(Comparator.comparingDouble(Row::offeredRate))
                    .forEach(r -> lines.computeIfAbsent(backendKey(r, manySets, true), k -> new ArrayList<>()).add(r));
            if (lines.isEmpty()) {
                continue;
            }
            List<Svg.Series> series = new ArrayList<>();
            int i = 0;
            for (Map.Entry<String, List<Row>> l : lines.entrySet()) {
                String color = Svg.color(i++);
                series.add(new Svg.Series(l.getKey() + " p50", color, l.getValue().stream()
                        .map(r -> new double[] {r.offeredRate(), r.p50Us()}).toList()));
                series.add(new Svg.Series(l.getKey() + " p99", color, l.getValue().stream()
                        .map(r -> new double[] {r.offeredRate(), r.p99Us()}).toList(), true));
            }
            h.append("<div class=\"fig\">").append(Svg.lineChart(e.getKey() + ": latency vs offered rate", "offered requests/s",
                    "latency, us (log)", series, Svg.Scale.LINEAR, Svg.Scale.LOG, null)).append("</div>\n");
            List<String> behind = e.getValue().stream().filter(r -> Boolean.FALSE.equals(r.keptUp()))
                    .map(r -> r.config(manySets, true, true) + String.format(Locale.ROOT, " (achieved %.1f/s)", r.achievedRate()))
                    .toList();
            if (!behind.isEmpty()) {
                h.append("<p class=\"warn\">Did not keep up: ").append(Svg.escape(String.join("; ", behind))).append("</p>\n");
            }
            drawn++;
        }
        if (drawn == 0) {
            h.append("<p class=\"empty\">No fixed-rate runs here; --rate 100,500,1000 --threads 4 makes some.</p>\n");
        }
        h.append("</section>\n");
    }

    /** Closed-loop throughput against caller threads on one engine, one line per configuration run with several. */
    private static void threadsChart(StringBuilder h, Map<String, List<Row>> byModel, boolean manySets) {
        h.append("<section id=\"threads\"><h2>Throughput vs caller threads (closed loop)</h2>\n<p>Samples per second with ")
                .append("N threads calling one engine, each with its own binding (for TensorRT its own execution context and ")
                .append("CUDA stream), each calling again as soon as its last call returned. Flat or falling lines mean the ")
                .append("threads wait on something they share.</p>\n");
        int drawn = 0;
        for (Map.Entry<String, List<Row>> e : byModel.entrySet()) {
            Map<String, List<double[]>> lines = new LinkedHashMap<>();
            e.getValue().stream().filter(r -> r.offeredRate() == null)
                    .forEach(r -> lines.computeIfAbsent(backendKey(r, manySets, false), k -> new ArrayList<>())
                            .add(new double[] {r.threads(), r.throughput()}));
            List<Svg.Series> series = curves(lines);
            if (series.isEmpty()) {
                continue;
            }
            h.append("<div class=\"fig\">").append(Svg.lineChart(e.getKey() + ": throughput vs caller threads",
                    "caller threads (log)", "samples per second", series, Svg.Scale.LOG, Svg.Scale.LINEAR, null)).append("</div>\n");
            drawn++;
        }
        if (drawn == 0) {
            h.append("<p class=\"empty\">No configuration here ran with several thread counts; --threads 1,2,4,8 makes ")
                    .append("some.</p>\n");
        }
        h.append("</section>\n");
    }

    private static String backendKey(Row r, boolean manySets, boolean withThreads) {
        return r.backend() + " " + r.precision() + " b" + r.batch() + (r.seqLen() != null ? " s" + r.seqLen() : "")
                + (r.graphs() ? " graphs" : "") + ("static".equals(r.profile()) ? " static" : "")
                + (withThreads ? " " + r.threads() + " thr" : "") + (manySets && !r.set().isEmpty() ? " [" + r.set() + "]" : "");
    }

    private static void gpuCharts(StringBuilder h, List<Row> rows, boolean manySets) {
        h.append("<section id=\"gpu\"><h2>GPU utilisation over time</h2>\n<p>NVML utilisation during each run's timed ")
                .append("window(s), time from the first window's start; per model the largest batch at sequence length 128 (where ")
                .append("measured). The table has every run's mean.</p>\n");
        Map<String, List<Row>> byModel = new LinkedHashMap<>();
        rows.stream().filter(r -> !r.gpuSeries().isEmpty()).forEach(r -> byModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r));
        if (byModel.isEmpty()) {
            h.append("<p class=\"empty\">No run here carries GPU samples (--gpu-sample-period).</p>\n");
        }
        for (Map.Entry<String, List<Row>> e : byModel.entrySet()) {
            // one workload per model, the busiest: the largest batch at the representative sequence length
            Integer seq = representativeSeq(e.getValue());
            List<Row> atSeq = e.getValue().stream().filter(r -> java.util.Objects.equals(r.seqLen(), seq)).toList();
            int batch = atSeq.stream().mapToInt(Row::batch).max().orElse(1);
            List<Svg.Series> series = new ArrayList<>();
            int i = 0;
            for (Row r : atSeq) {
                if (r.batch() != batch) {
                    continue;
                }
                series.add(new Svg.Series(r.config(manySets, false, false) + (r.gpuUtilMean() != null
                        ? String.format(Locale.ROOT, " (mean %.0f%%)", r.gpuUtilMean()) : ""), Svg.color(i++), r.gpuSeries()));
            }
            if (!series.isEmpty()) {
                h.append("<div class=\"fig\">").append(Svg.lineChart(workload(e.getKey(), batch, seq) + ": GPU utilisation",
                        "seconds into the timed window", "GPU utilisation, %", series, Svg.Scale.LINEAR, Svg.Scale.LINEAR, null))
                        .append("</div>\n");
            }
        }
        h.append("</section>\n");
    }

    private static void table(StringBuilder h, List<Row> rows, boolean manySets) {
        h.append("<section id=\"summary\"><h2>Summary</h2>\n<table><thead><tr>");
        String[] head = {"model", "configuration", "batch", "seq", "mode", "build ms", "1st run ms", "mean us", "p50 us", "p99 us", "p99.9 us",
            "throughput/s", "GPU util %", "PyTorch eager us", "PyTorch graph us", "agreement", "runs"};
        for (String c : head) {
            h.append("<th>").append(c).append("</th>");
        }
        h.append("</tr></thead><tbody>\n");
        for (Row r : rows) {
            String mode = r.offeredRate() == null ? "closed" + (r.threads() > 1 ? ", " + r.threads() + " thr" : "")
                    : String.format(Locale.ROOT, "%s/s offered, %.1f/s achieved%s", Svg.number(r.offeredRate()), r.achievedRate(),
                            Boolean.FALSE.equals(r.keptUp()) ? ", DID NOT KEEP UP" : "");
            String[] cells = {r.model(), r.config(manySets, false, false), Integer.toString(r.batch()),
                r.seqLen() == null ? "-" : r.seqLen().toString(), mode, fixed(r.buildMs()), r.firstRunMs() == null ? "-" : fixed(r.firstRunMs()), fixed(r.meanUs()), fixed(r.p50Us()),
                fixed(r.p99Us()), fixed(r.p999Us()), fixed(r.throughput()), r.gpuUtilMean() == null ? "-" : fixed(r.gpuUtilMean()),
                r.pytorchShapesMatch() && r.pytorchEagerUs() != null ? fixed(r.pytorchEagerUs()) : "-",
                r.pytorchShapesMatch() && r.pytorchGraphUs() != null ? fixed(r.pytorchGraphUs())
                        : r.pytorchShapesMatch() && r.pytorchGraphError() != null ? "failed" : "-",
                r.agreement(), Long.toString(r.iterations())};
            h.append("<tr>");
            for (int i = 0; i < cells.length; i++) {
                h.append(i >= 5 && i != 15 || i == 2 || i == 3 ? "<td class=\"n\">" : "<td>").append(Svg.escape(cells[i])).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody></table></section>\n");
    }

    private static String fixed(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "-";
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static final String CSS = """
            body { font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; }
            h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; }
            .meta { color: #666; font-size: 13px; }
            dl { display: grid; grid-template-columns: 110px 1fr; gap: 4px 12px; font-size: 13px; } dt { font-weight: bold; }
            .hygiene { background: #f4f8fb; border: 1px solid #cfe0ee; padding: 4px 16px; border-radius: 6px; font-size: 13px; }
            .hygiene h2 { margin-top: 8px; } p, li { font-size: 14px; }
            .fig { margin: 12px 0; } svg.chart { max-width: 100%; height: auto; border: 1px solid #eee; }
            table { border-collapse: collapse; font-size: 12px; } th, td { border: 1px solid #ddd; padding: 3px 6px; }
            th { background: #f2f2f2; position: sticky; top: 0; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
            tbody tr:nth-child(even) { background: #fafafa; }
            .empty { color: #777; font-style: italic; } .warn { color: #a33; font-weight: bold; }
            """;
}
