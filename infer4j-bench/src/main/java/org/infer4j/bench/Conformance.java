package org.infer4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.infer4j.BackendUnavailableException;
import org.infer4j.Binding;
import org.infer4j.EngineStats;
import org.infer4j.InferenceEngine;
import org.infer4j.ModelLoadException;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.infer4j.bench.internal.BackendConfig;
import org.infer4j.bench.internal.ConformanceCheck;
import org.infer4j.bench.internal.ConformanceTable;
import org.infer4j.bench.internal.Npy;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The conformance run: every model of a zoo (made by {@code models/zoo/zoo.py}: ONNX files with
 * inputs and PyTorch's outputs for two input shapes each) on every backend configuration and
 * precision asked for, checked against PyTorch's outputs ({@link ConformanceCheck}). Appends one
 * row per model, configuration, precision and shape to {@code conformance.csv} and writes
 * {@code conformance.md} from all rows.
 *
 * <pre>
 * java -cp 'infer4j-bench/target/lib/*:infer4j-bench/target/infer4j-bench.jar' org.infer4j.bench.Conformance \
 *     --zoo /path/to/zoo --out results/ --configs ort-cpu,ort-cuda,tensorrt,tensorrt+graphs
 * </pre>
 *
 * <p>A configuration is a backend name, {@code +graphs} for CUDA graphs, and options after a colon,
 * e.g. {@code tensorrt:tf32=true} or {@code ort-cuda:cuda.use_tf32=1}. Each (model, configuration,
 * precision) builds one engine whose shape ranges span both recorded shapes, then runs each shape
 * through {@link InferenceEngine#run} and through a {@link Binding} (run twice, so a CUDA graph is
 * captured and then replayed); a failure of either fails the row. A model the backend refuses to
 * load ({@link ModelLoadException}) is {@code unsupported} with its reason; wrong values, a failed run or a missing output are
 * {@code fail}. A configuration whose backend cannot run here is skipped, with its reason on the console.
 * Before each engine it writes {@code in-progress.csv} (the row's first columns), so
 * that a script can record a case that ended the JVM and go on with {@code --resume}.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Checks every zoo model on every backend configuration against PyTorch's outputs.")
public final class Conformance implements Callable<Integer> {
    static final String CSV_HEADER = "model,backend,precision,shape,status,max_abs,rmse,tolerance,reason";

    @Option(names = "--zoo", required = true, paramLabel = "DIR", description = "The zoo: index.json, NAME.onnx, NAME/SHAPE/*.npy.")
    private Path zoo = Path.of(".");

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where conformance.csv and conformance.md go.")
    private Path out = Path.of(".");

    @Option(names = "--configs", split = ",", paramLabel = "CONFIG",
            defaultValue = "ort-cpu,ort-cuda,ort-tensorrt,tensorrt,tensorrt+graphs",
            description = "Backend configurations: NAME[+graphs][:KEY=VALUE;KEY=VALUE] (default: ${DEFAULT-VALUE}).")
    private List<String> configs = new ArrayList<>();

    @Option(names = "--precisions", split = ",", defaultValue = "FP32,FP16", paramLabel = "P",
            description = "Precisions (default: ${DEFAULT-VALUE}); FP16 only on backends that build for it.")
    private List<Precision> precisions = new ArrayList<>();

    @Option(names = "--models", paramLabel = "REGEX", description = "Only the zoo models whose name matches.")
    private @Nullable Pattern models;

    @Option(names = "--resume", description = "Skip the (model, backend, precision) cases conformance.csv already has.")
    private boolean resume;

    @Option(names = "--report-only", description = "Run nothing: write conformance.md from the conformance.csv in --out.")
    private boolean reportOnly;

    private final PrintStream console;

    Conformance(PrintStream console) {
        this.console = console;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Conformance(System.out)).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        JsonNode index = new ObjectMapper().readTree(zoo.resolve("index.json").toFile());
        Files.createDirectories(out);
        Path csv = out.resolve("conformance.csv");
        if (reportOnly) {
            writeReport(csv);
            return 0;
        }
        Set<String> done = resume && Files.exists(csv) ? doneCases(csv) : new HashSet<>();
        if (!Files.exists(csv)) {
            Files.writeString(csv, CSV_HEADER + "\n");
        }
        Set<String> unavailable = new HashSet<>();
        for (JsonNode model : index.get("models")) {
            String name = model.get("name").asText();
            if (models != null && !models.matcher(name).find()) {
                continue;
            }
            if (!"ok".equals(model.path("status").asText("ok"))) {
                console.printf("%s: not exported (%s)%n", name, model.path("error").asText());
                continue;
            }
            for (String config : configs) {
                BackendConfig c = parse(config);
                for (Precision precision : precisions) {
                    String key = name + "," + config + "," + precision;
                    if (done.contains(key) || unavailable.contains(config)
                            || (precision == Precision.FP16 && !c.buildsFp16())) {
                        continue;
                    }
                    Files.writeString(out.resolve("in-progress.csv"), key + "\n");
                    List<String> rows;
                    try {
                        rows = runCase(name, model, c, precision);
                    } catch (BackendUnavailableException e) {
                        console.printf("%s cannot run here, skipped: %s%n", config, oneLine(e));
                        unavailable.add(config);
                        Files.deleteIfExists(out.resolve("in-progress.csv"));
                        continue;
                    }
                    Files.write(csv, rows.stream().map(r -> r + "\n").collect(Collectors.joining())
                            .getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
                    Files.deleteIfExists(out.resolve("in-progress.csv"));
                }
            }
        }
        writeReport(csv);
        return 0;
    }

    private void writeReport(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        Files.writeString(out.resolve("conformance.md"), ConformanceTable.markdown(lines.subList(1, lines.size())));
        console.println("wrote " + csv + " and conformance.md");
    }

    private static Set<String> doneCases(Path csv) throws IOException {
        Set<String> done = new HashSet<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = ConformanceTable.fields(line);
            done.add(f.get(0) + "," + f.get(1) + "," + f.get(2));
        }
        return done;
    }

    /** Builds one engine for the case and checks each recorded shape on it; the CSV rows. */
    private List<String> runCase(String name, JsonNode model, BackendConfig config, Precision precision) throws IOException {
        Path dir = zoo.resolve(name);
        List<String> shapes = new ArrayList<>();
        model.get("shapes").fieldNames().forEachRemaining(shapes::add);
        Map<String, Map<String, Tensor>> inputs = new LinkedHashMap<>();
        Map<String, Map<String, Tensor>> expected = new LinkedHashMap<>();
        List<String> rows = new ArrayList<>();
        try {
            for (String shape : shapes) {
                inputs.put(shape, read(dir.resolve(shape), "input."));
                expected.put(shape, read(dir.resolve(shape), "output."));
            }
            double tolerance = ConformanceCheck.tolerance(precision);
            InferenceEngine engine;
            try {
                engine = config.builder(zoo.resolve(model.get("onnx").asText()), precision, shapesOf(inputs.values())).build();
            } catch (BackendUnavailableException e) {
                throw e;
            } catch (RuntimeException e) {
                // a model the backend refuses to load (ModelLoadException names the upstream limit) is unsupported;
                // anything else going wrong while building is a failure
                String status = e instanceof ModelLoadException ? "unsupported" : "fail";
                for (String shape : shapes) {
                    rows.add(row(name, config, precision, inputs.get(shape), status, null, tolerance, e));
                }
                console.printf("%-28s %-26s %s %s: %s%n", name, config.label(), precision, status, oneLine(e));
                return rows;
            }
            try (engine) {
                for (String shape : shapes) {
                    rows.add(check(name, engine, config, precision, inputs.get(shape), expected.get(shape), tolerance));
                }
            }
        } finally {
            inputs.values().forEach(m -> m.values().forEach(Tensor::close));
            expected.values().forEach(m -> m.values().forEach(Tensor::close));
        }
        return rows;
    }

    private String check(String name, InferenceEngine engine, BackendConfig config, Precision precision,
                         Map<String, Tensor> inputs, Map<String, Tensor> expected, double tolerance) {
        ConformanceCheck.Verdict verdict;
        try (Outputs outputs = engine.run(inputs)) {
            verdict = ConformanceCheck.check(expected, outputs.asMap(), tolerance);
        } catch (RuntimeException e) {
            console.printf("%-28s %-26s %s fail: %s%n", name, config.label(), precision, oneLine(e));
            return row(name, config, precision, inputs, "fail", null, tolerance, e);
        }
        ConformanceCheck.Verdict bound;
        try (Binding binding = engine.bind(inputs)) {
            binding.run();
            binding.run();
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            for (String output : expected.keySet()) {
                outputs.put(output, binding.output(output));
            }
            bound = ConformanceCheck.check(expected, outputs, tolerance);
        } catch (RuntimeException e) {
            console.printf("%-28s %-26s %s binding fail: %s%n", name, config.label(), precision, oneLine(e));
            return row(name, config, precision, inputs, "fail", verdict, tolerance,
                    new IllegalStateException("run() passed, a Binding failed: " + oneLine(e), e));
        }
        String note;
        ConformanceCheck.Verdict reported;
        if (!verdict.passed()) {
            reported = verdict;
            note = verdict.failure() + (bound.passed() ? "; a Binding passed" : "; a Binding failed too");
        } else if (!bound.passed()) {
            reported = bound;
            note = "run() passed, a Binding failed: " + bound.failure();
        } else {
            reported = bound.maxAbs() > verdict.maxAbs() ? bound : verdict;
            note = null;
        }
        if (config.graphs()) {
            note = join(note, graphNote(engine.stats()));
        }
        String status = reported.passed() ? "pass" : "fail";
        console.printf("%-28s %-26s %s %-5s %s max_abs %.3g%s%n", name, config.label(), precision, status,
                shapeLabel(inputs), reported.maxAbs(), note == null ? "" : " (" + note + ")");
        return ConformanceTable.row(name, config.label(), precision.name(), shapeLabel(inputs), status, reported.maxAbs(),
                reported.rmse(), reported.tolerance(), note);
    }

    /** Whether the graph configuration really replayed graphs, and if not, the backend's own words. */
    private static @Nullable String graphNote(EngineStats stats) {
        if (stats.counter("cudaGraphs.replays") > 0) {
            return null;
        }
        return "no CUDA graph was replayed" + (stats.notes().isEmpty() ? "" : ": " + String.join(" ", stats.notes()));
    }

    private static String row(String name, BackendConfig config, Precision precision, Map<String, Tensor> inputs,
                              String status, ConformanceCheck.@Nullable Verdict verdict, double tolerance, Exception e) {
        return ConformanceTable.row(name, config.label(), precision.name(), shapeLabel(inputs), status,
                verdict == null ? Double.NaN : verdict.maxAbs(), verdict == null ? Double.NaN : verdict.rmse(),
                tolerance, oneLine(e));
    }

    private BackendConfig parse(String config) {
        try {
            return BackendConfig.parse(config);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage(), e);
        }
    }

    private static List<Map<String, long[]>> shapesOf(Collection<Map<String, Tensor>> inputs) {
        List<Map<String, long[]>> shapes = new ArrayList<>();
        for (Map<String, Tensor> tensors : inputs) {
            Map<String, long[]> dims = new LinkedHashMap<>();
            tensors.forEach((name, t) -> dims.put(name, t.shape().toArray()));
            shapes.add(dims);
        }
        return shapes;
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replaceAll("\\s+", " ").trim();
        return m.length() > 600 ? m.substring(0, 600) + "..." : m;
    }

    private static @Nullable String join(@Nullable String a, @Nullable String b) {
        return a == null ? b : b == null ? a : a + "; " + b;
    }

    /** Each input's shape, e.g. {@code input_ids=1x16;attention_mask=1x16}. */
    static String shapeLabel(Map<String, Tensor> inputs) {
        return inputs.entrySet().stream()
                .map(e -> e.getKey() + "=" + joinDims(e.getValue().shape().toArray()))
                .collect(Collectors.joining(";"));
    }

    private static String joinDims(long[] dims) {
        return dims.length == 0 ? "scalar"
                : java.util.Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining("x"));
    }

    /** The tensors of one recorded shape whose files start with {@code prefix}, by tensor name. */
    private static Map<String, Tensor> read(Path dir, String prefix) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            for (String file : Files.readAllLines(dir.resolve("files.txt"))) {
                if (file.startsWith(prefix) && file.endsWith(".npy")) {
                    tensors.put(file.substring(prefix.length(), file.length() - ".npy".length()), Npy.read(dir.resolve(file)));
                }
            }
        } catch (IOException | RuntimeException e) {
            tensors.values().forEach(Tensor::close);
            throw e;
        }
        return tensors;
    }
}
