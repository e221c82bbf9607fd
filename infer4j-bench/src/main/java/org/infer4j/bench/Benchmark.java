package org.infer4j.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infer4j.BackendStatus;
import org.infer4j.Backends;
import org.infer4j.Precision;
import org.infer4j.bench.internal.Accuracy;
import org.infer4j.bench.internal.BenchmarkRunner;
import org.infer4j.bench.internal.ConsoleTable;
import org.infer4j.bench.internal.Environment;
import org.infer4j.bench.internal.Failure;
import org.infer4j.bench.internal.GpuSamplers;
import org.infer4j.bench.internal.HtmlReport;
import org.infer4j.bench.internal.InputShapes;
import org.infer4j.bench.internal.Measurement;
import org.infer4j.bench.internal.ProgressBar;
import org.infer4j.bench.internal.ResultFiles;
import org.infer4j.bench.internal.RunFiles;
import org.infer4j.bench.internal.RunReport;
import org.infer4j.bench.internal.SamplePeriod;
import org.infer4j.bench.internal.Sweep;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The infer4j benchmark: latency and throughput of one or more backends on ONNX models, with the
 * outputs of each checked against a reference backend ({@code ort-cpu}) on identical seeded inputs.
 *
 * <pre>
 * java -jar infer4j-bench/target/infer4j-bench.jar --model models/mlp_tiny.onnx --backend ort-cpu
 * java -jar infer4j-bench/target/infer4j-bench.jar -m model.onnx -b ort-cuda,ort-tensorrt --precision FP32,FP16 \
 *      --batch 1,8,32 --seq-len 128 --duration 10s --out results/
 * </pre>
 *
 * Exit status: 0 when every run completed and agreed with the reference (or had none to agree
 * with), 1 when a run failed or disagreed, 2 for a usage error.
 *
 * <p>An instance is one invocation; not thread-safe.
 */
@Command(name = "infer4j-bench", mixinStandardHelpOptions = true, versionProvider = Benchmark.Version.class,
        sortOptions = false, usageHelpWidth = 110,
        description = "Measures inference latency and throughput of infer4j backends on ONNX models and checks each "
                + "backend's outputs against a reference backend on the same seeded inputs.")
public final class Benchmark implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int DEFAULT_COMPARISON_ROUNDS = 5;

    @Spec
    private @Nullable CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, split = ",", paramLabel = "FILE",
            description = "ONNX model file(s); repeat or separate with commas.")
    private List<Path> models = new ArrayList<>();

    @Option(names = {"-b", "--backend"}, split = ",", paramLabel = "NAME",
            description = "Backend(s) to measure, e.g. ort-cpu,ort-cuda,ort-tensorrt,tensorrt (default: every available one).")
    private List<String> backends = new ArrayList<>();

    @Option(names = "--warmup", defaultValue = "100", paramLabel = "N", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @ArgGroup(exclusive = true)
    private @Nullable Length length;

    static final class Length {
        @Option(names = {"-n", "--iterations"}, paramLabel = "N", description = "Timed runs (default: 1000).")
        @Nullable Integer iterations;

        @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
                description = "Time to measure instead of a count of runs, e.g. 10s, 500ms, 2m.")
        @Nullable Duration duration;
    }

    @Option(names = "--batch", split = ",", paramLabel = "N",
            description = "Batch size(s) for inputs whose first dimension is open (default: 1, or the model's fixed batch).")
    private List<Integer> batches = new ArrayList<>();

    @Option(names = "--seq-len", split = ",", defaultValue = "128", paramLabel = "N",
            description = "Sequence length(s) for inputs whose second dimension is open, e.g. [batch, seq] token ids "
                    + "(default: ${DEFAULT-VALUE}).")
    private List<Integer> seqLens = new ArrayList<>();

    @Option(names = "--shape", paramLabel = "NAME=DIMS", mapFallbackValue = "",
            description = "An input's exact shape, e.g. --shape pixel_values=1x3x224x224; needed for open dimensions "
                    + "beyond the second.")
    private Map<String, String> shapes = new LinkedHashMap<>();

    @Option(names = "--precision", split = ",", defaultValue = "FP32", paramLabel = "P",
            description = "Precision(s): ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private List<Precision> precisions = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--max-token-id", defaultValue = "100", paramLabel = "N",
            description = "Inputs named like *ids* get integers in [0, N) (default: ${DEFAULT-VALUE}); *mask* inputs get ones.")
    private int maxTokenId;

    @Option(names = "--reference", defaultValue = "ort-cpu", paramLabel = "NAME",
            description = "Backend whose outputs count as right, or 'none' (default: ${DEFAULT-VALUE}; skipped with a note "
                    + "where it cannot run).")
    private String reference = "ort-cpu";

    @Option(names = "--tolerance", paramLabel = "X",
            description = "Largest output difference from the reference that passes, as a fraction of the reference's "
                    + "largest magnitude (at least 1) (default: 2e-3 for FP32, which allows TF32; 2e-2 for FP16).")
    private @Nullable Double tolerance;

    @Option(names = "--accuracy-inputs", defaultValue = "0", paramLabel = "N",
            description = "Compare each run's outputs with the reference backend's FP32 outputs on N further seeded inputs "
                    + "of the run's shapes: max-abs, cosine similarity and top-1 agreement, held to the precision's "
                    + "bound (docs/precision.md); 0 for none (default: ${DEFAULT-VALUE}).")
    private int accuracyInputs;

    @Option(names = "--int8-calibration-batches", defaultValue = "" + BenchmarkRunner.DEFAULT_CALIBRATION_BATCHES,
            paramLabel = "N", description = "INT8 engines are calibrated on N seeded random batches of the first "
                    + "workload's shapes (default: ${DEFAULT-VALUE}); the table is cached beside the engines.")
    private int calibrationBatches;

    @Option(names = "--option", paramLabel = "[BACKEND:]KEY=VALUE",
            description = "Backend option passed through to EngineBuilder.option, for every backend or, with a prefix, one, "
                    + "e.g. ort-tensorrt:trt.trt_builder_optimization_level=5.")
    private List<String> options = new ArrayList<>();

    @Option(names = "--device", defaultValue = "0", paramLabel = "INDEX", description = "CUDA device (default: ${DEFAULT-VALUE}).")
    private int device;

    @Option(names = "--cuda-graphs", split = ",", arity = "0..1", fallbackValue = "on", paramLabel = "off|on",
            description = "CUDA graphs: off, on, or off,on to measure both (one engine each); --cuda-graphs alone means on "
                    + "(default: off).")
    private List<String> cudaGraphs = new ArrayList<>();

    @Option(names = "--profile", split = ",", paramLabel = "static|dynamic",
            description = "Shape profiles: dynamic (one engine whose ranges span every batch and sequence length of the sweep), "
                    + "static (one engine per workload, ranges fixed to its shapes), or both (default: dynamic).")
    private List<String> profiles = new ArrayList<>();

    @Option(names = "--threads", split = ",", paramLabel = "N",
            description = "Caller threads on one engine, each with its own binding (default: 1); several, e.g. 1,4, measure each.")
    private List<Integer> threads = new ArrayList<>();

    @Option(names = "--rate", split = ",", paramLabel = "R",
            description = "Offered load in requests (runs) per second, on a fixed schedule (open loop) with --threads as the "
                    + "pool; latency counts from each request's intended start. 'closed' is the closed loop (default: closed).")
    private List<String> rates = new ArrayList<>();

    @Option(names = "--pytorch-json", paramLabel = "FILE|DIR|none",
            description = "PyTorch's NAME.json of shared/gpu/models.py (a file, or a directory holding NAME.json per model) "
                    + "to show PyTorch eager / CUDA-graph latency beside ours (default: NAME.json beside the model, if any).")
    private @Nullable String pytorchJson;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Where to write the self-contained HTML report of every run in --out (default: report.html in --out).")
    private @Nullable Path report;

    @Option(names = "--device-info", paramLabel = "TEXT", defaultValue = "${env:INFER4J_DEVICE_INFO}",
            description = "A description of the device to record in the results, e.g. from nvidia-smi "
                    + "(default: $INFER4J_DEVICE_INFO, which scripts/gpu/run.sh sets).")
    private @Nullable String deviceInfo;

    @Option(names = "--gpu-sample-period", split = ",", paramLabel = "PERIOD", converter = SamplePeriodConverter.class,
            description = "How often to sample the GPU (NVML: utilisation, memory, power, temperature, clocks) during each "
                    + "timed window, e.g. 100ms, 10ms, or off (default: 100ms where NVML can be read, else off with a note). "
                    + "Several, e.g. off,10ms, measure each workload once per period on the same engine and inputs in "
                    + "alternating rounds, and report each period's p50 against off's.")
    private List<SamplePeriod> gpuSamplePeriods = new ArrayList<>();

    @Option(names = "--rounds", paramLabel = "N",
            description = "Times each period's timed window (--iterations or --duration) is measured, alternating the "
                    + "periods A B, B A, ... (default: 5 with several --gpu-sample-period values, else 1).")
    private @Nullable Integer rounds;

    @Option(names = "--out", defaultValue = "target/benchmark-results", paramLabel = "DIR",
            description = "Where to write a JSON file per run and results.csv (default: ${DEFAULT-VALUE}).")
    private Path out = Path.of("target/benchmark-results");

    /** Why GPU sampling is off when it was not asked off (no NVML here); null otherwise. */
    private @Nullable String gpuOffReason;

    /** The backends to use, or null to discover them on the class path. */
    private final @Nullable Backends backendRegistry;
    private final GpuSamplers gpuSamplers;

    private Benchmark(@Nullable Backends backendRegistry, GpuSamplers gpuSamplers) {
        this.backendRegistry = backendRegistry;
        this.gpuSamplers = gpuSamplers;
    }

    /** Runs the benchmark and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine(null).execute(args));
    }

    /**
     * The command line with the benchmark's error handling, for {@link #main} and tests.
     *
     * @param registry the backends to use instead of those found on the class path, or null
     */
    static CommandLine commandLine(@Nullable Backends registry) {
        return commandLine(registry, GpuSamplers.NVML);
    }

    /**
     * The command line with GPU samplers of the caller's (a fake source in tests).
     *
     * @param registry the backends to use instead of those found on the class path, or null
     */
    static CommandLine commandLine(@Nullable Backends registry, GpuSamplers gpuSamplers) {
        return new CommandLine(new Benchmark(registry, gpuSamplers))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println(cmd.getColorScheme().errorText(e.getMessage() != null ? e.getMessage() : e.toString()));
                    return e instanceof IllegalArgumentException || e instanceof org.infer4j.InvalidInputException
                            ? cmd.getCommandSpec().exitCodeOnInvalidInput() : EXIT_FAILED;
                });
    }

    @Override
    public Integer call() {
        CommandSpec commandSpec = java.util.Objects.requireNonNull(spec, "picocli injects the spec");
        PrintWriter console = commandSpec.commandLine().getOut();
        Backends registry = backendRegistry != null ? backendRegistry : Backends.discover();
        List<String> chosen = backends;
        if (backends.isEmpty()) {
            List<BackendStatus> statuses = registry.statuses();
            chosen = statuses.stream().filter(BackendStatus::isAvailable).map(BackendStatus::name).toList();
            if (chosen.isEmpty()) {
                throw new CommandLine.ParameterException(commandSpec.commandLine(), "no backend can run here:\n" + registry.report());
            }
            List<String> unavailable = statuses.stream().filter(s -> !s.isAvailable()).map(BackendStatus::name).toList();
            if (!unavailable.isEmpty()) {
                console.printf("not measured, unavailable here: %s (java -cp 'infer4j-bench/target/lib/*' org.infer4j.Backends "
                        + "says why)%n", String.join(", ", unavailable));
            }
        }
        List<SamplePeriod> periods = samplePeriods(commandSpec, console);
        int roundCount = rounds != null ? rounds : periods.size() > 1 ? DEFAULT_COMPARISON_ROUNDS : 1;
        BenchmarkRunner.Plan plan = new BenchmarkRunner.Plan(models, chosen, precisions, batches, seqLens, parseShapes(),
                warmup, limit(), seed, maxTokenId, "none".equalsIgnoreCase(reference) ? null : reference, tolerance,
                parseOptions(registry), device, sweep(commandSpec), deviceInfo, periods, roundCount,
                pytorchJson == null || "none".equalsIgnoreCase(pytorchJson) ? null : Path.of(pytorchJson),
                !"none".equalsIgnoreCase(String.valueOf(pytorchJson)), gpuOffReason, accuracyInputs,
                calibrationBatches);

        ResultFiles files = new ResultFiles(out);
        try {
            files.requireAppendableCsv();
        } catch (IllegalStateException e) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage(), e);
        }
        Progress progress = new Progress(files, console,
                System.console() != null && !Boolean.getBoolean("infer4j.progress.plain"));
        console.printf("infer4j %s benchmark: %s on %s, GPU sampling %s%s%n", Environment.infer4jVersion(), models, chosen,
                periods.stream().map(SamplePeriod::label).collect(java.util.stream.Collectors.joining(",")),
                roundCount > 1 ? ", " + roundCount + " rounds" : "");
        console.flush();
        try (progress.bar) {
            new BenchmarkRunner(plan, registry, progress, gpuSamplers).run();
        }
        if (!progress.reports.isEmpty()) {
            // every run in --out, earlier invocations' too (as results.csv holds them)
            Path html = report != null ? report : out.resolve("report.html");
            RunFiles.Loaded loaded = RunFiles.load(List.of(out), null);
            HtmlReport.write(html, loaded.runs(), loaded.notes(), "infer4j benchmark report");
            console.println("report (" + loaded.runs().size() + " runs in " + out + "): " + html);
        }
        console.println();
        if (!progress.table.isEmpty()) {
            console.print(progress.table.render());
        }
        if (!progress.table.overheads().isEmpty()) {
            console.println("GPU sampling overhead (p50 with sampling / p50 off, same engine and inputs, median of the rounds' "
                    + "ratios):");
            progress.table.overheads().forEach(line -> console.println("  " + line));
        }
        for (Failure f : progress.failures) {
            console.printf("FAILED %s on %s %s: %s%n", f.model(), f.backend(), f.precision(), f.message());
        }
        console.flush();
        return progress.failures.isEmpty() && !progress.disagreed ? EXIT_OK : EXIT_FAILED;
    }

    /** Writes each result as it comes, prints a line for it, and keeps what the summary needs. */
    private static final class Progress implements BenchmarkRunner.Listener {
        private final ResultFiles files;
        private final PrintWriter console;
        final ConsoleTable table = new ConsoleTable();
        final List<Failure> failures = new ArrayList<>();
        boolean disagreed;

        final List<RunReport> reports = new ArrayList<>();
        final ProgressBar bar;
        private final boolean interactive;

        Progress(ResultFiles files, PrintWriter console, boolean interactive) {
            this.files = files;
            this.console = console;
            this.interactive = interactive;
            this.bar = new ProgressBar(console, 0, interactive, System::nanoTime);
        }

        @Override
        public void planned(int measurements) {
            bar.total(measurements);
        }

        @Override
        public void starting(String what) {
            bar.starting(what);
        }

        @Override
        public void measured(long nanos, String what) {
            bar.measured(nanos, what);
        }

        @Override
        public <T> T building(String what, java.util.function.Supplier<T> build) {
            return bar.building(what, interactive ? 1 : 15, build);
        }

        @Override
        public void completed(RunReport report) {
            Path json = files.write(report);
            table.add(report);
            reports.add(report);
            disagreed |= report.agreement().compared() && !report.agreement().passed();
            bar.endLine();
            RunReport.LoadReport load = report.load();
            console.printf("  %s on %s %s batch %d%s, GPU sampling %s: mean %.1f us, p50 %.1f us, %d runs -> %s%n",
                    report.model(), report.backend(), report.precision(), report.batch(), sweepLabel(report),
                    report.gpuSamplePeriod(), report.latencyUs().mean(), report.latencyUs().median(), report.iterations(), json);
            Accuracy.Result accuracy = report.accuracy();
            if (accuracy != null) {
                console.printf("  accuracy against %s over %d inputs: max-abs %.3g, cosine %.6f, top-1 %.4f%s%n",
                        accuracy.reference(), accuracy.inputs(), accuracy.maxAbs(), accuracy.cosine(), accuracy.top1(),
                        accuracy.withinBound() ? "" : "  OUTSIDE THE BOUND: " + accuracy.breach());
            }
            if (Boolean.FALSE.equals(load.keptUp())) {
                console.printf("  DID NOT KEEP UP: offered %.1f/s, achieved %.1f/s; requests queued and latency from the "
                        + "intended start grew to p99 %.0f us (max start lag %.0f us): this backend cannot sustain that rate "
                        + "with %d thread(s)%n", load.offeredRatePerS(), load.achievedRatePerS(), report.latencyUs().p99(),
                        load.maxStartLagUs(), load.threads());
            }
            console.flush();
        }

        private static String sweepLabel(RunReport r) {
            return (r.seqLen() != null ? " seq " + r.seqLen() : "") + (r.cudaGraphs() ? ", graphs on" : "")
                    + ("static".equals(r.profile()) ? ", static profile" : "")
                    + (r.threads() > 1 ? ", " + r.threads() + " threads" : "")
                    + (r.load().offeredRatePerS() != null
                            ? String.format(Locale.ROOT, ", fixed rate %.1f/s (achieved %.1f/s)", r.load().offeredRatePerS(),
                                    r.load().achievedRatePerS()) : "");
        }

        @Override
        public void failed(Failure failure) {
            bar.endLine();
            failures.add(failure);
            console.printf("  %s on %s %s%s FAILED: %s%n", failure.model(), failure.backend(), failure.precision(),
                    failure.shapes() != null ? " (" + failure.shapes() + ")" : "", failure.message());
            console.flush();
        }
    }

    /** The sweep dimensions from --cuda-graphs, --profile, --threads and --rate. */
    private Sweep sweep(CommandSpec commandSpec) {
        try {
            List<Boolean> graphs = new ArrayList<>();
            for (String g : cudaGraphs.isEmpty() ? List.of("off") : cudaGraphs) {
                graphs.add(switch (g.trim().toLowerCase(Locale.ROOT)) {
                    case "on", "true" -> true;
                    case "off", "false" -> false;
                    default -> throw new IllegalArgumentException("--cuda-graphs takes off, on or off,on, not '" + g + "'");
                });
            }
            List<Sweep.Profile> profileList = new ArrayList<>();
            for (String p : profiles.isEmpty() ? List.of("dynamic") : profiles) {
                try {
                    profileList.add(Sweep.Profile.valueOf(p.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--profile takes static, dynamic or static,dynamic, not '" + p + "'");
                }
            }
            List<Double> rateList = new ArrayList<>();
            for (String r : rates) {
                if ("closed".equalsIgnoreCase(r.trim())) {
                    rateList.add(0.0);
                    continue;
                }
                double value;
                try {
                    value = Double.parseDouble(r.trim().replaceFirst("/s$", ""));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--rate takes requests per second (e.g. 500) or 'closed', not '" + r + "'");
                }
                if (!(value > 0)) {
                    throw new IllegalArgumentException("--rate must be positive, not " + r);
                }
                rateList.add(value);
            }
            return new Sweep(graphs, profileList, Sweep.loads(threads, rateList));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage(), e);
        }
    }

    /**
     * The sample periods asked for; without any, 100 ms where NVML can be read and off (with a one-line note)
     * where not. A period asked for explicitly where no GPU can be sampled is a usage error.
     */
    private List<SamplePeriod> samplePeriods(CommandSpec commandSpec, PrintWriter console) {
        if (rounds != null && rounds < 1) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), "--rounds must be at least 1, not " + rounds);
        }
        if (gpuSamplePeriods.isEmpty()) {
            String reason = gpuSamplers.unavailableReason();
            if (reason != null) {
                console.println("GPU sampling off: " + oneLine(reason));
                gpuOffReason = "no GPU can be sampled here: " + oneLine(reason);
                return List.of(SamplePeriod.OFF);
            }
            return List.of(SamplePeriod.of(org.infer4j.metrics.GpuSampler.DEFAULT_PERIOD));
        }
        if (gpuSamplePeriods.stream().distinct().count() != gpuSamplePeriods.size()) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(),
                    "--gpu-sample-period lists a period twice: " + gpuSamplePeriods);
        }
        if (gpuSamplePeriods.stream().anyMatch(p -> !p.isOff())) {
            String reason = gpuSamplers.unavailableReason();
            if (reason != null) {
                throw new CommandLine.ParameterException(commandSpec.commandLine(), "--gpu-sample-period "
                        + gpuSamplePeriods + ": no GPU can be sampled here (" + reason + "); use --gpu-sample-period off");
            }
        }
        return List.copyOf(gpuSamplePeriods);
    }

    /** A reason on one short line: NVML's can carry a whole library path; its start and its remedy are kept. */
    static String oneLine(String reason) {
        String line = reason.replaceAll("\\s+", " ");
        return line.length() <= 240 ? line : line.substring(0, 120) + " ... " + line.substring(line.length() - 115);
    }

    private Measurement.Limit limit() {
        if (length != null && length.duration != null) {
            return Measurement.Limit.duration(length.duration);
        }
        return Measurement.Limit.iterations(length != null && length.iterations != null ? length.iterations : 1000);
    }

    private Map<String, long[]> parseShapes() {
        Map<String, long[]> parsed = new LinkedHashMap<>();
        shapes.forEach((name, dims) -> parsed.put(name, InputShapes.parse(dims)));
        return parsed;
    }

    /** {@code [BACKEND:]KEY=VALUE}; the prefix counts as a backend only if one by that name exists. */
    private List<BenchmarkRunner.Option> parseOptions(Backends registry) {
        List<BenchmarkRunner.Option> parsed = new ArrayList<>();
        for (String option : options) {
            int eq = option.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--option " + option + " is not KEY=VALUE or BACKEND:KEY=VALUE");
            }
            String key = option.substring(0, eq);
            String value = option.substring(eq + 1);
            int colon = key.indexOf(':');
            if (colon > 0 && registry.find(key.substring(0, colon)).isPresent()) {
                parsed.add(new BenchmarkRunner.Option(key.substring(0, colon), key.substring(colon + 1), value));
            } else {
                parsed.add(new BenchmarkRunner.Option(null, key, value));
            }
        }
        return parsed;
    }

    /** {@code 10s}, {@code 500ms}, {@code 2m}, or a plain number of seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min)?");

        @Override
        public Duration convert(String value) {
            Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration; write e.g. 10s, 500ms or 2m");
            }
            double amount = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double nanos = amount * switch (unit) {
                case "ms" -> 1e6;
                case "s" -> 1e9;
                default -> 60e9;
            };
            return Duration.ofNanos((long) nanos);
        }
    }

    /** {@code off} or a period such as {@code 10ms}, at least 10 ms. */
    static final class SamplePeriodConverter implements CommandLine.ITypeConverter<SamplePeriod> {
        @Override
        public SamplePeriod convert(String value) {
            try {
                return SamplePeriod.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The version from the build, for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"infer4j-bench " + Environment.infer4jVersion()};
        }
    }
}
