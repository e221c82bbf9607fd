package org.infer4j.bench.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes each run as a JSON file ({@code MODEL_BACKEND_PRECISION_bN[_sN][_gpuPERIOD]_TIMESTAMP.json}; the
 * sample period only for runs in rounds, whose periods share a timestamp) and as a row of
 * {@code results.csv} in one directory, which it creates. The GPU columns (mean utilisation, largest
 * memory used, mean power) describe the GPU of the run's {@code device_index}. Not thread-safe.
 */
public final class ResultFiles {
    static final String CSV_NAME = "results.csv";
    static final List<String> CSV_COLUMNS = List.of("timestamp", "model", "backend", "precision", "batch", "seq_len",
            "cuda_graphs", "warmup", "iterations", "build_ms", "first_run_ms", "mean_us", "median_us", "min_us", "max_us", "std_us", "p90_us",
            "p95_us", "p99_us", "p999_us", "throughput_fps", "reference", "rmse", "mae", "max_abs", "tolerance", "reference_scale",
            "agreement_passed", "hostname", "json_file", "gpu_sample_period", "gpu_samples", "gpu_util_mean",
            "mem_used_max_mib", "power_mean_w", "p50_ratio_vs_off", "profile", "profile_ranges", "threads", "load_mode", "offered_rate_per_s",
            "achieved_rate_per_s", "kept_up", "pytorch_eager_us", "pytorch_cuda_graph_us");

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path directory;

    public ResultFiles(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    /**
     * Checks, before anything is measured, that rows can be appended to the directory's CSV: it is new, or
     * has this version's columns.
     *
     * @throws IllegalStateException naming the file, when an earlier version wrote other columns
     */
    public void requireAppendableCsv() {
        Path csv = directory.resolve(CSV_NAME);
        if (!Files.exists(csv)) {
            return;
        }
        String header;
        try (var lines = Files.lines(csv, StandardCharsets.UTF_8)) {
            header = lines.findFirst().orElse("");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (!header.isEmpty() && !header.equals(String.join(",", CSV_COLUMNS))) {
            throw new IllegalStateException(csv.toAbsolutePath() + " has other columns than this version writes (an "
                    + "earlier version wrote it); move it away or give another --out, so that its rows stay readable");
        }
    }

    /**
     * Writes {@code report}'s JSON file and appends its CSV row (with a header if the CSV is new).
     *
     * @return the JSON file
     * @throws UncheckedIOException if a file cannot be written
     */
    public Path write(RunReport report) {
        try {
            Files.createDirectories(directory);
            Path json = directory.resolve(fileName(report));
            JSON.writeValue(json.toFile(), report);
            Path csv = directory.resolve(CSV_NAME);
            String row = csvRow(report, json.getFileName().toString());
            if (!Files.exists(csv)) {
                row = String.join(",", CSV_COLUMNS) + "\n" + row;
            }
            Files.writeString(csv, row, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the results of " + report.model() + " on " + report.backend()
                    + " to " + directory.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** The JSON text of a report, as the files hold it. */
    public static String toJson(RunReport report) {
        try {
            return JSON.writeValueAsString(report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A report (or part of one) as a JSON tree, as the files hold it (snake_case names; for the HTML report). */
    public static com.fasterxml.jackson.databind.JsonNode toTree(Object report) {
        return JSON.valueToTree(report);
    }

    static String fileName(RunReport r) {
        String model = r.model().replaceFirst("\\.onnx$", "");
        String stamp = r.timestamp().replaceAll("[^0-9TZ]", "");
        return sanitize(model + "_" + r.backend() + "_" + r.precision().toLowerCase(Locale.ROOT) + "_b" + r.batch()
                + (r.seqLen() != null ? "_s" + r.seqLen() : "") + (r.cudaGraphs() ? "_graphs" : "")
                + ("static".equals(r.profile()) ? "_static" : "") + (r.threads() > 1 ? "_t" + r.threads() : "")
                + (r.load().offeredRatePerS() != null ? "_r" + Math.round(r.load().offeredRatePerS()) : "")
                + (r.rounds() != null ? "_gpu" + r.gpuSamplePeriod() : "")
                + "_" + stamp) + ".json";
    }

    private static String csvRow(RunReport r, String jsonFile) {
        LatencyMicros l = r.latencyUs();
        Agreement a = r.agreement();
        GpuReport gpu = r.gpu();
        int deviceIndex = deviceIndex(r);
        return Stream.of(r.timestamp(), r.model(), r.backend(), r.precision(), r.batch(), r.seqLen() == null ? "" : r.seqLen(),
                        r.cudaGraphs(), r.warmup(), r.iterations(), r.buildMs(), r.firstRunMs(), l.mean(), l.median(), l.min(), l.max(), l.std(),
                        l.p90(), l.p95(), l.p99(), l.p999(), r.throughputFps(), a.reference(), a.rmse(), a.mae(), a.maxAbs(),
                        a.tolerance(), a.referenceScale(), a.compared() ? a.passed() : "", r.hostname(), jsonFile, r.gpuSamplePeriod(),
                        gpu == null ? "" : gpu.sampleCount(deviceIndex), gpu == null ? "" : gpu.utilizationMean(deviceIndex),
                        gpu == null ? "" : gpu.memoryUsedMaxMib(deviceIndex), gpu == null ? "" : gpu.powerMean(deviceIndex),
                        r.gpuSamplingOverhead() == null ? "" : r.gpuSamplingOverhead().p50Ratio(), r.profile(),
                        rangesCell(r.profileRanges()), r.threads(),
                        r.load().mode(), orEmpty(r.load().offeredRatePerS()), r.load().achievedRatePerS(), orEmpty(r.load().keptUp()),
                        pytorchCell(r, true), pytorchCell(r, false))
                .map(ResultFiles::csvField).collect(Collectors.joining(",")) + "\n";
    }

    /** Like {@code input=1x3x224x224..32x3x224x224 opt 32x3x224x224}, inputs separated by {@code "; "}. */
    private static String rangesCell(Map<String, RunReport.ProfileRange> ranges) {
        return ranges.entrySet().stream().map(e -> e.getKey() + "=" + dims(e.getValue().min()) + ".." + dims(e.getValue().max())
                + " opt " + dims(e.getValue().opt())).collect(Collectors.joining("; "));
    }

    private static String dims(List<Long> shape) {
        return InputShapes.format(shape.stream().mapToLong(Long::longValue).toArray());
    }

    private static Object orEmpty(@org.jspecify.annotations.Nullable Object value) {
        return value == null ? "" : value;
    }

    /** PyTorch's eager or CUDA-graph latency of the run's precision, where PyTorch timed the run's shapes. */
    private static Object pytorchCell(RunReport r, boolean eager) {
        PyTorchPeer.Report p = r.pytorch();
        if (p == null || !p.shapesMatch()) {
            return "";
        }
        return orEmpty(eager ? p.eagerUs() : p.cudaGraphUs());
    }

    /** The run's {@code --device}, as the report's device map holds it. */
    static int deviceIndex(RunReport r) {
        try {
            return Integer.parseInt(r.device().getOrDefault("device_index", "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String csvField(Object value) {
        String s = value instanceof Double d && d.isNaN() ? "" : String.valueOf(value);
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String sanitize(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
