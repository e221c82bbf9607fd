package org.infer4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Precision;
import org.infer4j.bench.internal.Environment;
import org.infer4j.bench.internal.GpuSamplers;
import org.infer4j.bench.internal.InputGenerator;
import org.infer4j.bench.internal.InputShapes;
import org.infer4j.bench.internal.PhaseTrace;
import org.infer4j.bench.internal.PhaseTrace.Phase;
import org.infer4j.bench.internal.SamplePeriod;
import org.infer4j.bench.internal.TensorMap;
import org.infer4j.bench.internal.Workload;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuSampler;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * An idle → busy → idle GPU trace (issue 4): samples the GPU every {@code --sample-period} while the
 * model loads ({@code load}), while nothing runs ({@code idle_before}, {@code --idle}), while the model
 * runs back to back ({@code busy}, {@code --busy}) and while nothing runs again ({@code idle_after}),
 * then writes one JSON file with the phase markers, per-phase summaries and the whole series of
 * utilisation, memory, power, temperature and clocks, and prints a table per phase.
 *
 * <pre>
 * java -cp 'infer4j-bench/target/lib/*:infer4j-bench/target/*' org.infer4j.bench.GpuTrace \
 *      --model resnet50.onnx --backend ort-cuda --batch 32 --sample-period 20ms --out results/
 * </pre>
 *
 * Exit status: 0 when the busy phase shows the GPU busier than both idle phases (mean utilisation at
 * least {@value #MIN_UTILIZATION_GAP} points above), 1 when it does not or the run failed, 2 for a
 * usage error. An instance is one invocation; not thread-safe.
 */
@Command(name = "infer4j-gpu-trace", mixinStandardHelpOptions = true, versionProvider = Benchmark.Version.class,
        sortOptions = false, usageHelpWidth = 110,
        description = "Samples the GPU while idle, while running a model back to back, and idle again; writes the time "
                + "series with phase markers and per-phase summaries as JSON.")
public final class GpuTrace implements Callable<Integer> {
    /** How many utilisation points the busy phase's mean must exceed each idle phase's by. */
    static final double MIN_UTILIZATION_GAP = 10;
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private @Nullable CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "The ONNX model to run.")
    private Path model = Path.of("");

    @Option(names = {"-b", "--backend"}, defaultValue = "ort-cuda", paramLabel = "NAME",
            description = "Backend (default: ${DEFAULT-VALUE}).")
    private String backend = "ort-cuda";

    @Option(names = "--precision", defaultValue = "FP32", paramLabel = "P",
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Precision precision = Precision.FP32;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N",
            description = "Batch size for an open first dimension (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--seq-len", defaultValue = "128", paramLabel = "N",
            description = "Sequence length for an open second dimension (default: ${DEFAULT-VALUE}).")
    private int seqLen;

    @Option(names = "--shape", paramLabel = "NAME=DIMS", description = "An input's exact shape, e.g. input=32x3x224x224.")
    private Map<String, String> shapes = new LinkedHashMap<>();

    @Option(names = "--sample-period", defaultValue = "20ms", paramLabel = "PERIOD",
            converter = Benchmark.SamplePeriodConverter.class,
            description = "Time between GPU samples, at least 10ms (default: ${DEFAULT-VALUE}).")
    private SamplePeriod samplePeriod = SamplePeriod.parse("20ms");

    @Option(names = "--idle", defaultValue = "2s", paramLabel = "TIME", converter = Benchmark.DurationConverter.class,
            description = "Length of each idle phase (default: ${DEFAULT-VALUE}).")
    private Duration idle = Duration.ofSeconds(2);

    @Option(names = "--busy", defaultValue = "5s", paramLabel = "TIME", converter = Benchmark.DurationConverter.class,
            description = "Length of the busy phase (default: ${DEFAULT-VALUE}).")
    private Duration busy = Duration.ofSeconds(5);

    @Option(names = "--warmup", defaultValue = "20", paramLabel = "N",
            description = "Runs during the load phase, before the first idle one (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--device", defaultValue = "0", paramLabel = "INDEX",
            description = "CUDA device to run on and GPU to report (default: ${DEFAULT-VALUE}).")
    private int device;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--out", defaultValue = "target/gpu-trace", paramLabel = "DIR",
            description = "Where to write gpu-trace_MODEL_BACKEND_PRECISION_bN.json (default: ${DEFAULT-VALUE}).")
    private Path out = Path.of("target/gpu-trace");

    private final @Nullable Backends backendRegistry;
    private final GpuSamplers gpuSamplers;
    private @Nullable InferenceEngine engine;
    private @Nullable TensorMap inputs;
    private @Nullable Binding binding;
    private @Nullable Workload workload;

    private GpuTrace(@Nullable Backends backendRegistry, GpuSamplers gpuSamplers) {
        this.backendRegistry = backendRegistry;
        this.gpuSamplers = gpuSamplers;
    }

    public static void main(String[] args) {
        System.exit(commandLine(null, GpuSamplers.NVML).execute(args));
    }

    /** The command line, with the backends (null: discovered) and GPU samplers to use. */
    static CommandLine commandLine(@Nullable Backends registry, GpuSamplers samplers) {
        return new CommandLine(new GpuTrace(registry, samplers))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println(cmd.getColorScheme().errorText(e.getMessage() != null ? e.getMessage() : e.toString()));
                    return e instanceof IllegalArgumentException ? cmd.getCommandSpec().exitCodeOnInvalidInput()
                            : Benchmark.EXIT_FAILED;
                });
    }

    @Override
    public Integer call() throws IOException {
        CommandSpec commandSpec = java.util.Objects.requireNonNull(spec, "picocli injects the spec");
        PrintWriter console = commandSpec.commandLine().getOut();
        if (samplePeriod.isOff()) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), "--sample-period off leaves nothing to trace");
        }
        String unavailable = gpuSamplers.unavailableReason();
        if (unavailable != null) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), "no GPU can be sampled here: " + unavailable);
        }
        Map<String, long[]> overrides = new LinkedHashMap<>();
        shapes.forEach((name, dims) -> overrides.put(name, InputShapes.parse(dims)));
        String started = Instant.now().toString();
        PhaseTrace.Result trace;
        try (GpuSampler sampler = gpuSamplers.start(java.util.Objects.requireNonNull(samplePeriod.duration()))) {
            trace = PhaseTrace.run(sampler, List.of(
                    Phase.task("load", () -> load(overrides)),
                    Phase.idle("idle_before", idle),
                    Phase.busy("busy", busy),
                    Phase.idle("idle_after", idle)), () -> java.util.Objects.requireNonNull(binding).run(), device);
        } finally {
            release();
        }
        Workload w = java.util.Objects.requireNonNull(workload);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("timestamp", started);
        json.put("hostname", Environment.hostname());
        json.put("model", String.valueOf(model.getFileName()));
        json.put("model_path", model.toString());
        json.put("backend", backend);
        json.put("precision", precision.name());
        json.put("batch", w.batch());
        json.put("inputs", w.describe());
        json.put("trace", trace);
        Files.createDirectories(out);
        Path file = out.resolve(("gpu-trace_" + String.valueOf(model.getFileName()).replaceFirst("\\.onnx$", "") + "_"
                + backend + "_" + precision.name().toLowerCase(Locale.ROOT) + "_b" + w.batch()).replaceAll("[^A-Za-z0-9._-]", "_")
                + ".json");
        try {
            JSON.writeValue(file.toFile(), json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }

        console.printf("GPU trace of %s on %s %s (%s), GPU %d %s, sampled every %s (%.1f samples/s achieved):%n",
                model.getFileName(), backend, precision, w.describe(), trace.deviceIndex(), trace.deviceName(),
                samplePeriod.label(), trace.achievedRatePerS());
        console.print(trace.table());
        double busyUtil = trace.phase("busy").mean(GpuMetric.GPU_UTILIZATION);
        double idleUtil = Math.max(trace.phase("idle_before").mean(GpuMetric.GPU_UTILIZATION),
                trace.phase("idle_after").mean(GpuMetric.GPU_UTILIZATION));
        boolean seen = busyUtil >= idleUtil + MIN_UTILIZATION_GAP;
        console.printf(Locale.ROOT, "busy phase: mean GPU utilisation %.1f %% against at most %.1f %% idle: %s%n", busyUtil,
                idleUtil, seen ? "the trace shows the run" : "NOT SEEN (expected at least " + MIN_UTILIZATION_GAP
                        + " points more while busy)");
        console.println("-> " + file);
        console.flush();
        return seen ? Benchmark.EXIT_OK : Benchmark.EXIT_FAILED;
    }

    /** The load phase: engine, inputs, binding, warm-up runs. */
    private void load(Map<String, long[]> overrides) {
        InferenceEngine built = InferenceEngine.builder().model(model).backend(backend).precision(precision).device(device)
                .backends(backendRegistry != null ? backendRegistry : Backends.discover()).build();
        engine = built;
        List<Workload> all = Workload.all(built.inputs(), List.of(batch), List.of(seqLen), overrides);
        workload = all.get(0);
        try (TensorMap generated = new TensorMap(InputGenerator.generate(built.inputs(), workload.shapes(), seed, 100))) {
            inputs = TensorMap.copiesFor(built, generated.tensors());
        }
        Binding bound = built.bind(inputs.tensors());
        binding = bound;
        for (int i = 0; i < warmup; i++) {
            bound.run();
        }
    }

    private void release() {
        if (binding != null) {
            binding.close();
        }
        if (inputs != null) {
            inputs.close();
        }
        if (engine != null) {
            engine.close();
        }
    }
}
