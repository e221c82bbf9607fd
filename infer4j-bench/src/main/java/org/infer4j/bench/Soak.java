package org.infer4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.infer4j.BackendStatus;
import org.infer4j.BackendUnavailableException;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.Precision;
import org.infer4j.bench.internal.Agreement;
import org.infer4j.bench.internal.BackendConfig;
import org.infer4j.bench.internal.Environment;
import org.infer4j.bench.internal.GpuSamplers;
import org.infer4j.bench.internal.InputShapes;
import org.infer4j.bench.internal.MemoryProbe;
import org.infer4j.bench.internal.OutputCheck;
import org.infer4j.bench.internal.SoakEvents;
import org.infer4j.bench.internal.SoakRunner;
import org.infer4j.bench.internal.SoakSamples;
import org.infer4j.bench.internal.SoakSeries;
import org.infer4j.bench.internal.SoakSummary;
import org.infer4j.metrics.GpuSampler;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The soak: a mix of models, backend configurations and precisions run from many threads for a
 * given time, every output checked against a reference, memory sampled for growth.
 *
 * <pre>
 * java -cp 'infer4j-bench/target/lib/*:infer4j-bench/target/infer4j-bench.jar' org.infer4j.bench.Soak \
 *     -m models/mlp_tiny.onnx,models/encoder_tiny.onnx -b ort-cpu --duration 5m --out target/soak
 * </pre>
 *
 * <p>Per (model, configuration, precision) it builds one engine, shared by every worker, makes seeded
 * inputs for each batch size and seed, and runs each once on one thread before any other starts:
 * those outputs are the reference. Then {@code --threads} workers run until {@code --duration} is up
 * (or {@code --stop-at}), each picking a series, an input and {@code engine.run} or a {@code Binding}
 * of its own at random, and a churn thread builds, runs and closes another engine of the next series
 * every {@code --churn-every} ({@link SoakRunner}). Every output is compared with its reference:
 * bit for bit for the configurations in {@code --exact}, else within {@code --tolerance}
 * ({@link OutputCheck}). Memory is sampled every {@code --sample-every} into {@code samples.csv}.
 *
 * <p>Chunks: one invocation is one chunk. Run it again with the same {@code --out} and it appends
 * the next chunk (rows of {@code samples.csv} name their chunk; {@code chunk-N.json} records each
 * finished one), then summarises every chunk in the directory ({@link SoakSummary}): {@code summary.json}
 * and {@code summary.txt}. {@code --summary-only} summarises without running.
 *
 * <p>Exit status: 0 when the summary over all chunks passes (every chunk finished, no mismatch, no
 * error), 1 otherwise, 2 for a usage error. An instance is one invocation; not thread-safe.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, versionProvider = Benchmark.Version.class, sortOptions = false,
        usageHelpWidth = 110, description = "Runs a mix of models and backends from many threads for a given time, checks every "
                + "output against a single-thread reference and samples memory; one invocation is one chunk of the soak in --out.")
public final class Soak implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final String SAMPLES = "samples.csv";
    private static final Pattern CHUNK_FILE = Pattern.compile("chunk-(\\d+)\\.json");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private @Nullable CommandSpec spec;

    @Option(names = {"-m", "--model"}, split = ",", paramLabel = "FILE", description = "ONNX model file(s); repeat or separate with commas.")
    private List<Path> models = new ArrayList<>();

    @Option(names = {"-b", "--backend"}, split = ",", paramLabel = "CONFIG",
            description = "Backend configurations NAME[+graphs][:KEY=VALUE;...], e.g. tensorrt,tensorrt+graphs,ort-cuda (default: every "
                    + "available backend, and tensorrt also with CUDA graphs).")
    private List<String> backends = new ArrayList<>();

    @Option(names = "--precision", split = ",", defaultValue = "FP32", paramLabel = "P",
            description = "Precision(s) (default: ${DEFAULT-VALUE}); FP16 only on backends that build for it.")
    private List<Precision> precisions = new ArrayList<>();

    @Option(names = "--batch", split = ",", defaultValue = "1,4", paramLabel = "N",
            description = "Batch sizes for inputs whose first dimension is open, one input shape each (default: ${DEFAULT-VALUE}).")
    private List<Integer> batches = new ArrayList<>();

    @Option(names = "--seq-len", defaultValue = "16", paramLabel = "N",
            description = "Size of an open second dimension, e.g. of token ids (default: ${DEFAULT-VALUE}).")
    private int seqLen;

    @Option(names = "--inputs-per-shape", defaultValue = "2", paramLabel = "N",
            description = "Input sets (seeds) per shape, each with its own reference (default: ${DEFAULT-VALUE}).")
    private int inputsPerShape;

    @Option(names = "--seed", defaultValue = "42", description = "First seed of the inputs and the workers' choices (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--max-token-id", defaultValue = "100", paramLabel = "N",
            description = "Integer inputs named like *ids* get values in [0, N) (default: ${DEFAULT-VALUE}).")
    private int maxTokenId;

    @Option(names = "--threads", defaultValue = "8", paramLabel = "N", description = "Worker threads (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--duration", defaultValue = "1m", paramLabel = "TIME", converter = Benchmark.DurationConverter.class,
            description = "How long the workers run in this chunk, e.g. 8m, 30s (default: ${DEFAULT-VALUE}).")
    private Duration duration = Duration.ofMinutes(1);

    @Option(names = "--stop-at", paramLabel = "EPOCH_S",
            description = "Stop the workers at this Unix time (seconds) if it comes before --duration is up: a deadline that leaves "
                    + "time to close and write results before a time limit.")
    private @Nullable Long stopAt;

    @Option(names = "--sample-every", defaultValue = "10s", paramLabel = "TIME", converter = Benchmark.DurationConverter.class,
            description = "Time between two memory samples (default: ${DEFAULT-VALUE}; at least 100ms).")
    private Duration sampleEvery = Duration.ofSeconds(10);

    @Option(names = "--warmup-window", defaultValue = "2m", paramLabel = "TIME", converter = Benchmark.DurationConverter.class,
            description = "Samples of each chunk's first TIME are left out of the slopes and growth (default: ${DEFAULT-VALUE}).")
    private Duration warmupWindow = Duration.ofMinutes(2);

    @Option(names = "--growth-window", defaultValue = "1m", paramLabel = "TIME", converter = Benchmark.DurationConverter.class,
            description = "Growth compares the mean of each chunk's last TIME with that of its first after the warm-up "
                    + "(default: ${DEFAULT-VALUE}).")
    private Duration growthWindow = Duration.ofMinutes(1);

    @Option(names = "--churn-every", defaultValue = "5s", paramLabel = "TIME|off", converter = ChurnPeriodConverter.class,
            description = "Time between two engine churn cycles (build another engine of the next series, run every input through "
                    + "it, close it), or off (default: ${DEFAULT-VALUE}).")
    private Duration churnEvery = Duration.ofSeconds(5);

    @Option(names = "--exact", split = ",", defaultValue = "ort-cpu,tensorrt,tensorrt+graphs", paramLabel = "CONFIG",
            description = "Configurations whose outputs must match their reference bit for bit; the others within --tolerance "
                    + "(default: ${DEFAULT-VALUE}).")
    private List<String> exact = new ArrayList<>();

    @Option(names = "--tolerance", paramLabel = "X",
            description = "For the other configurations: the largest difference from the reference, as a fraction of its largest "
                    + "magnitude (at least 1) (default: 1e-5 for FP32, 1e-3 for FP16).")
    private @Nullable Double tolerance;

    @Option(names = "--device", defaultValue = "0", paramLabel = "INDEX", description = "CUDA device (default: ${DEFAULT-VALUE}).")
    private int device;

    @Option(names = "--log-limit", defaultValue = "10", paramLabel = "N",
            description = "Mismatches and errors described in full per chunk, each (default: ${DEFAULT-VALUE}); all are counted.")
    private int logLimit;

    @Option(names = "--hang-grace", defaultValue = "60s", paramLabel = "TIME", converter = Benchmark.DurationConverter.class,
            description = "A thread still running this long after the stop counts as hung (default: ${DEFAULT-VALUE}).")
    private Duration hangGrace = Duration.ofSeconds(60);

    @Option(names = "--out", defaultValue = "target/soak", paramLabel = "DIR",
            description = "Where samples.csv, chunk-N.json, the logs and the summary go; chunks append (default: ${DEFAULT-VALUE}).")
    private Path out = Path.of("target/soak");

    @Option(names = "--summary-only", description = "Run nothing: summarise the chunks in --out.")
    private boolean summaryOnly;

    private final @Nullable Backends backendRegistry;
    private final GpuSamplers gpuSamplers;

    private Soak(@Nullable Backends backendRegistry, GpuSamplers gpuSamplers) {
        this.backendRegistry = backendRegistry;
        this.gpuSamplers = gpuSamplers;
    }

    /**
     * Runs one chunk of the soak and exits with its status.
     *
     * @param args the command line; {@code --help} lists it
     */
    public static void main(String[] args) {
        System.exit(commandLine(null, GpuSamplers.NVML).execute(args));
    }

    /**
     * The command line with the soak's error handling, for {@link #main} and tests.
     *
     * @param registry the backends to use instead of those found on the class path, or null
     * @param gpuSamplers where GPU samplers come from
     */
    static CommandLine commandLine(@Nullable Backends registry, GpuSamplers gpuSamplers) {
        return new CommandLine(new Soak(registry, gpuSamplers))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println(cmd.getColorScheme().errorText(e.getMessage() != null ? e.getMessage() : e.toString()));
                    return e instanceof IllegalArgumentException ? cmd.getCommandSpec().exitCodeOnInvalidInput() : EXIT_FAILED;
                });
    }

    @Override
    public Integer call() throws IOException {
        CommandSpec commandSpec = Objects.requireNonNull(spec, "picocli injects the spec");
        PrintWriter console = commandSpec.commandLine().getOut();
        Files.createDirectories(out);
        SoakSamples samples = new SoakSamples(out.resolve(SAMPLES));
        try {
            samples.requireAppendable();
            validate();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage(), e);
        }
        if (summaryOnly) {
            return summarise(samples, console);
        }
        Backends registry = backendRegistry != null ? backendRegistry : Backends.discover();
        List<BackendConfig> configs;
        try {
            configs = configs(registry);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage(), e);
        }
        Map<Integer, JsonNode> records = records();
        List<SoakSamples.Row> earlier = samples.read();
        int chunk = Stream.concat(records.keySet().stream(), earlier.stream().map(SoakSamples.Row::chunk))
                .mapToInt(Integer::intValue).max().orElse(0) + 1;
        double soakedBefore = earlier.stream().filter(r -> r.event().whileRunning())
                .mapToDouble(SoakSamples.Row::elapsedSeconds).max().orElse(0);
        console.printf("infer4j %s soak, chunk %d in %s: %s on %s, %s, %d threads, %s%n", Environment.infer4jVersion(), chunk, out,
                models.stream().map(m -> String.valueOf(m.getFileName())).toList(), configs.stream().map(BackendConfig::label).toList(),
                precisions, threads, SoakSummary.formatSeconds(duration.toMillis() / 1000.0));
        console.flush();

        Map<String, Object> record = new LinkedHashMap<>();
        record.put("chunk", chunk);
        record.put("started_utc", Instant.now().toString());
        SoakEvents events = new SoakEvents(chunk, logLimit, out.resolve("mismatches.log"), out.resolve("errors.log"), console);
        List<String> skipped = new ArrayList<>();
        List<SoakSeries> series = open(registry, configs, events, skipped, console);
        compareWithFirstChunk(series, records, events);

        List<String> hung = List.of();
        double soaked = 0;
        Counter counter = new Counter(series, events);
        if (!series.isEmpty()) {
            try (MemoryProbe probe = MemoryProbe.start(gpuSamplers, gpuPeriod(), device)) {
                if (probe.gpuUnavailableReason() != null) {
                    console.println("GPU memory not sampled: " + Benchmark.oneLine(String.valueOf(probe.gpuUnavailableReason())));
                }
                Sampler sampler = new Sampler(samples, probe, chunk, soakedBefore, System.nanoTime(), sampleEvery.toNanos(), counter,
                        console, events);
                long stop = stopNanos(sampler.startNanos);
                sampler.row(SoakSamples.Event.START);
                ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "soak-sampler");
                    t.setDaemon(true);
                    return t;
                });
                schedule.scheduleAtFixedRate(() -> sampler.row(SoakSamples.Event.SAMPLE), sampleEvery.toNanos(), sampleEvery.toNanos(),
                        TimeUnit.NANOSECONDS);
                try {
                    hung = new SoakRunner(series, new SoakRunner.Settings(threads, seed, churnPeriod(), hangGrace), events).run(stop);
                } finally {
                    schedule.shutdownNow();
                    awaitQuietly(schedule);
                }
                soaked = sampler.row(SoakSamples.Event.END);
                record.put("series", describe(series));
                if (hung.isEmpty()) {
                    closeAll(series, events);
                    sampler.row(SoakSamples.Event.AFTER_CLOSE);
                } else {
                    console.println("not closing the engines: " + hung + " may still be inside them");
                }
            }
        } else {
            record.put("series", List.of());
            events.error(null, "setup", new IllegalStateException("nothing to soak: no (model, configuration, precision) could be "
                    + "opened" + (skipped.isEmpty() ? "" : "; skipped: " + skipped)));
        }
        record.put("ended_utc", Instant.now().toString());
        record.put("soak_seconds", soaked);
        record.put("threads", threads);
        Duration churn = churnPeriod();
        record.put("churn_every_s", churn == null ? null : churn.toMillis() / 1000.0);
        record.putAll(counter.totals());
        record.put("hung_threads", hung);
        record.put("skipped", skipped);
        record.put("first_mismatches", events.firstMismatches());
        record.put("first_errors", events.firstErrors());
        record.put("device", System.getenv("INFER4J_DEVICE_INFO"));
        record.put("hostname", Environment.hostname());
        record.put("versions", Environment.versions(registry.statuses()));
        JSON.writeValue(out.resolve("chunk-" + chunk + ".json").toFile(), record);
        return summarise(samples, console);
    }

    private void validate() {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
        }
        if (!summaryOnly && models.isEmpty()) {
            throw new IllegalArgumentException("give at least one --model (or --summary-only)");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("--duration must be positive, not " + duration);
        }
        if (sampleEvery.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("--sample-every must be at least 100ms, not " + sampleEvery.toMillis() + "ms");
        }
        if (growthWindow.isZero() || growthWindow.isNegative() || warmupWindow.isNegative()) {
            throw new IllegalArgumentException("--growth-window must be positive and --warmup-window not negative");
        }
        if (inputsPerShape < 1 || logLimit < 0 || batches.stream().anyMatch(b -> b < 1) || seqLen < 1) {
            throw new IllegalArgumentException("--inputs-per-shape, --batch and --seq-len must be at least 1, --log-limit at least 0");
        }
    }

    /** The churn period, or null for off. */
    private @Nullable Duration churnPeriod() {
        return churnEvery.isZero() ? null : churnEvery;
    }

    /** {@code off} (read as zero), or a positive duration such as {@code 5s}. */
    static final class ChurnPeriodConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            if (value.trim().equalsIgnoreCase("off")) {
                return Duration.ZERO;
            }
            Duration d = new Benchmark.DurationConverter().convert(value);
            if (d.isZero()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is no churn period; write a positive time, e.g. 5s, "
                        + "or off");
            }
            return d;
        }
    }

    /** How often the GPU sampler reads NVML: as often as the soak samples, but at least once a second. */
    private Duration gpuPeriod() {
        Duration period = sampleEvery.compareTo(Duration.ofSeconds(1)) < 0 ? sampleEvery : Duration.ofSeconds(1);
        return period.compareTo(GpuSampler.MIN_PERIOD) < 0 ? GpuSampler.MIN_PERIOD : period;
    }

    private long stopNanos(long start) {
        long stop = start + duration.toNanos();
        if (stopAt != null) {
            long untilDeadline = TimeUnit.MILLISECONDS.toNanos(stopAt * 1000 - System.currentTimeMillis());
            stop = Math.min(stop, start + Math.max(0, untilDeadline));
        }
        return stop;
    }

    /** The configurations asked for, or every available backend's (tensorrt with and without graphs). */
    private List<BackendConfig> configs(Backends registry) {
        if (!backends.isEmpty()) {
            return backends.stream().map(BackendConfig::parse).toList();
        }
        List<BackendConfig> configs = new ArrayList<>();
        for (BackendStatus s : registry.statuses()) {
            if (s.isAvailable()) {
                configs.add(BackendConfig.parse(s.name()));
                if (s.name().equals("tensorrt")) {
                    configs.add(BackendConfig.parse("tensorrt+graphs"));
                }
            }
        }
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("no backend can run here:\n" + registry.report());
        }
        return configs;
    }

    /** Opens every series that can run here; skips unavailable ones with a note, counts other failures as errors. */
    private List<SoakSeries> open(Backends registry, List<BackendConfig> configs, SoakEvents events, List<String> skipped,
                                  PrintWriter console) {
        List<SoakSeries> series = new ArrayList<>();
        Set<String> unavailable = new LinkedHashSet<>();
        for (Path model : models) {
            List<Map<String, long[]>> shapes;
            try {
                shapes = shapes(model, registry);
            } catch (RuntimeException e) {
                events.error(null, "reading the inputs of " + model + " (with ort-cpu)", e);
                continue;
            }
            for (BackendConfig config : configs) {
                for (Precision precision : precisions) {
                    String name = model.getFileName() + " " + config.label() + " " + precision;
                    if (unavailable.contains(config.label())) {
                        continue;
                    }
                    if (precision == Precision.FP16 && !config.buildsFp16()) {
                        skipped.add(name + ": the backend runs the model's own types, FP16 is not built");
                        continue;
                    }
                    if (stopAt != null && System.currentTimeMillis() >= stopAt * 1000) {
                        skipped.add(name + ": not opened, the stop time came during the setup (the engines built so far are "
                                + "cached for the next chunk)");
                        continue;
                    }
                    long began = System.nanoTime();
                    try {
                        series.add(SoakSeries.open(model, config, precision, shapes, inputsPerShape, seed, maxTokenId,
                                check(config, precision), rebuiltCheck(check(config, precision), precision),
                                config.builder(model, precision, shapes).device(device).backends(registry)));
                        console.printf("  opened %s: engine and %d reference(s) in %.1f s%n", series.get(series.size() - 1).name(),
                                shapes.size() * inputsPerShape, (System.nanoTime() - began) / 1e9);
                    } catch (BackendUnavailableException e) {
                        unavailable.add(config.label());
                        skipped.add(config.label() + ": cannot run here: " + SoakEvents.oneLine(e));
                        console.println("  skipped " + config.label() + ", it cannot run here: " + SoakEvents.oneLine(e));
                    } catch (RuntimeException e) {
                        events.error(null, "opening " + name, e);
                    }
                    console.flush();
                }
            }
        }
        return series;
    }

    private OutputCheck check(BackendConfig config, Precision precision) {
        if (exact.contains(config.label())) {
            return OutputCheck.EXACT;
        }
        return OutputCheck.within(tolerance != null ? tolerance : OutputCheck.defaultTolerance(precision));
    }

    /**
     * Another engine built the same way is held to the same bits where the configuration is exact (its backend
     * loads the same plan from its engine cache, or rebuilds deterministically, as ONNX Runtime's CPU provider does);
     * otherwise to the benchmark's agreement tolerance, since a fresh session may choose other kernels.
     */
    private static OutputCheck rebuiltCheck(OutputCheck check, Precision precision) {
        return check.exact() ? check : OutputCheck.within(Agreement.defaultTolerance(precision));
    }


    /** The input shapes of {@code model}, one set per batch size (one only when the model fixes its batch), read with ort-cpu. */
    private List<Map<String, long[]>> shapes(Path model, Backends registry) {
        try (InferenceEngine metadata = InferenceEngine.builder().model(model).backend("ort-cpu").backends(registry).build()) {
            if (!InputShapes.takesBatch(metadata.inputs(), Map.of())) {
                return List.of(InputShapes.resolve(metadata.inputs(), new InputShapes.Request(null, seqLen, Map.of())));
            }
            List<Map<String, long[]>> shapes = new ArrayList<>();
            for (int batch : new LinkedHashSet<>(batches)) {
                shapes.add(InputShapes.resolve(metadata.inputs(), new InputShapes.Request(batch, seqLen, Map.of())));
            }
            return shapes;
        }
    }

    /**
     * A later chunk's references must equal those of the first chunk on this host where the check is exact: each
     * chunk is a new process that builds its engines again, and an exact backend gives the same bits in every process
     * that loads the same engine (from this host's engine cache). Another host may build other engines, or have other
     * CPU instructions, so chunks of other hosts are not compared.
     */
    private static void compareWithFirstChunk(List<SoakSeries> series, Map<Integer, JsonNode> records, SoakEvents events) {
        String host = Environment.hostname();
        Map.Entry<Integer, JsonNode> first = records.entrySet().stream()
                .filter(e -> e.getValue().path("hostname").asText().equals(host)).findFirst().orElse(null);
        if (first == null) {
            return;
        }
        for (SoakSeries s : series) {
            if (!s.check().exact()) {
                continue;
            }
            for (JsonNode earlier : first.getValue().path("series")) {
                if (!earlier.path("name").asText().equals(s.name())) {
                    continue;
                }
                JsonNode digests = earlier.path("reference_digests");
                List<String> differ = new ArrayList<>();
                s.digests().forEach((key, digest) -> {
                    if (digests.has(key) && !digests.get(key).asText().equals(digest)) {
                        differ.add(key + ": reference differs from chunk " + first.getKey() + "'s (SHA-256 " + digest.substring(0, 12)
                                + " against " + digests.get(key).asText().substring(0, 12) + ")");
                    }
                });
                if (!differ.isEmpty()) {
                    events.mismatch(s, "reference of this chunk against the first chunk's", "all inputs", differ);
                }
            }
        }
    }

    private static List<Map<String, Object>> describe(List<SoakSeries> series) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (SoakSeries s : series) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("model", s.model());
            m.put("config", s.config().label());
            m.put("backend", s.engine().backend());
            m.put("cuda_graphs", s.config().graphs());
            m.put("precision", s.precision().name());
            m.put("check", s.check().describe());
            m.put("rebuilt_check", s.rebuiltCheck().describe());
            m.put("inputs", s.inputs().stream().map(SoakSeries.Input::label).toList());
            m.putAll(s.counts());
            Map<String, Object> stats = new TreeMap<>();
            try {
                stats.putAll(s.engine().stats().counters());
                m.put("engine_notes", s.engine().stats().notes());
            } catch (IllegalStateException e) {
                m.put("engine_notes", List.of("stats unavailable: " + e.getMessage()));
            }
            m.put("engine_stats", stats);
            m.put("reference_digests", s.digests());
            list.add(m);
        }
        return list;
    }

    private static void closeAll(List<SoakSeries> series, SoakEvents events) {
        for (SoakSeries s : series) {
            try {
                s.close();
            } catch (RuntimeException e) {
                events.error(s, "close", e);
            }
        }
    }

    private static void awaitQuietly(ScheduledExecutorService schedule) {
        try {
            schedule.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Each finished chunk's record, by chunk number in order. */
    private Map<Integer, JsonNode> records() throws IOException {
        Map<Integer, JsonNode> records = new TreeMap<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.toList()) {
                Matcher m = CHUNK_FILE.matcher(String.valueOf(f.getFileName()));
                if (m.matches()) {
                    records.put(Integer.parseInt(m.group(1)), JSON.readTree(f.toFile()));
                }
            }
        }
        return records;
    }

    private int summarise(SoakSamples samples, PrintWriter console) throws IOException {
        SoakSummary summary = SoakSummary.of(samples.read(), records(), warmupWindow, growthWindow);
        JSON.writeValue(out.resolve("summary.json").toFile(), summary.json());
        Files.writeString(out.resolve("summary.txt"), summary.text(), StandardCharsets.UTF_8);
        console.println();
        console.print(summary.text());
        console.println("wrote " + out.resolve("summary.json") + " and summary.txt");
        console.flush();
        return summary.passed() ? EXIT_OK : EXIT_FAILED;
    }

    private static String mib(@Nullable Long bytes) {
        return bytes == null ? "-" : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }

    /** Runs, errors and mismatches so far, over every series. */
    private record Counter(List<SoakSeries> series, SoakEvents events) {
        long runs() {
            return series.stream().mapToLong(SoakSeries::runs).sum();
        }

        Map<String, Object> totals() {
            Map<String, Object> t = new LinkedHashMap<>();
            long engineRuns = 0;
            long bindingRuns = 0;
            long churn = 0;
            for (SoakSeries s : series) {
                Map<String, Object> c = s.counts();
                engineRuns += (Long) c.get("engine_run_runs");
                bindingRuns += (Long) c.get("binding_runs");
                churn += (Long) c.get("churn_cycles");
            }
            t.put("runs", engineRuns + bindingRuns);
            t.put("engine_run_runs", engineRuns);
            t.put("binding_runs", bindingRuns);
            t.put("churn_cycles", churn);
            t.put("errors", events.errors());
            t.put("mismatches", events.mismatches());
            return t;
        }
    }

    /** Writes sample rows, and a progress line to the console now and then. */
    private static final class Sampler {
        private static final long PRINT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);
        private final SoakSamples samples;
        private final MemoryProbe probe;
        private final int chunk;
        private final double soakedBefore;
        final long startNanos;
        private final long sampleNanos;
        private final Counter counter;
        private final PrintWriter console;
        private final SoakEvents events;
        private long printedAt;

        Sampler(SoakSamples samples, MemoryProbe probe, int chunk, double soakedBefore, long startNanos, long sampleNanos,
                Counter counter, PrintWriter console, SoakEvents events) {
            this.samples = samples;
            this.probe = probe;
            this.chunk = chunk;
            this.soakedBefore = soakedBefore;
            this.startNanos = startNanos;
            this.sampleNanos = sampleNanos;
            this.counter = counter;
            this.console = console;
            this.events = events;
            this.printedAt = startNanos;
        }

        /** Appends a row now; the chunk's elapsed seconds at it. */
        double row(SoakSamples.Event event) {
            long now = System.nanoTime();
            double chunkSeconds = (now - startNanos) / 1e9;
            try {
                MemoryProbe.Reading r = probe.read();
                List<@Nullable Long> memory = new ArrayList<>();
                memory.add(r.rss());
                memory.add(r.direct());
                memory.add(r.heapUsed());
                memory.add(r.heapAfterGc());
                memory.add(r.gpuMemoryUsed());
                samples.append(new SoakSamples.Row(chunk, event, Instant.now().toString(), soakedBefore + chunkSeconds, chunkSeconds,
                        memory, counter.runs(), events.errors(), events.mismatches()));
                // a progress line about every 30 s: with 10 s samples, every third
                if (event != SoakSamples.Event.SAMPLE || now - printedAt >= PRINT_EVERY_NANOS - sampleNanos / 2) {
                    printedAt = now;
                    console.printf(Locale.ROOT, "  %-11s %8s: %d runs, %d errors, %d mismatches; rss %s, direct %s, heap %s, gpu %s%n",
                            event.label(), SoakSummary.formatSeconds(chunkSeconds), counter.runs(), events.errors(), events.mismatches(),
                            mib(r.rss()), mib(r.direct()), mib(r.heapUsed()),
                            mib(r.gpuMemoryUsed()));
                    console.flush();
                }
            } catch (RuntimeException e) {
                events.error(null, "sampling memory", e);
            }
            return chunkSeconds;
        }
    }

}
