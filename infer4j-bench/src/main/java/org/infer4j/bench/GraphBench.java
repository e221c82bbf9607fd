package org.infer4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.infer4j.Binding;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.bench.internal.CpuAffinity;
import org.infer4j.bench.internal.CpuControl;
import org.infer4j.bench.internal.Environment;
import org.infer4j.bench.internal.InputGenerator;
import org.infer4j.bench.internal.InputShapes;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuSampler;
import org.infer4j.metrics.LatencyRecorder;
import org.infer4j.metrics.LatencySnapshot;
import org.infer4j.tensorrt.TensorRtBinding;
import org.infer4j.tensorrt.TensorRtEngine;
import org.infer4j.tensorrt.TensorRtSettings;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * CUDA graphs on the native {@code tensorrt} backend: per model, the latency of a {@link Binding}'s
 * {@code run()} with graphs off and on, in two modes, and the GPU time of one run.
 * <ul>
 *   <li>{@code host}: host input tensors, written once, and host outputs the binding allocates;
 *       every run copies inputs to the GPU and outputs back (through page-locked staging), or, for
 *       tensors under a {@code --zero-copy-limits} value, TensorRT reads and writes them in
 *       page-locked host memory;</li>
 *   <li>{@code device}: inputs and outputs in GPU memory ({@code TensorRtEngine.allocateDevice}),
 *       bound once: no copies, the graph binds fixed addresses;</li>
 *   <li>{@code device-in} and {@code device-out}: only the inputs, or only the outputs, in GPU
 *       memory and the others host arrays, to tell which side a difference between {@code host}
 *       and {@code device} comes from.</li>
 * </ul>
 * GPU time per run: {@link TensorRtBinding#gpuMicrosPerRun} (CUDA events around many back-to-back
 * runs or graph replays). Beside it the mean SM clock NVML reported while the case ran, since a
 * latency-bound chain of small kernels runs as fast as the clock the GPU chose. A last row,
 * {@code cpu}, is a control without the GPU (see {@link CpuControl}): the p99/p50 this machine
 * gives any loop as short as the fastest case. One JSON per model in {@code --out}; a table on the
 * console.
 *
 * <p>Each case is a binding of its own, made after the previous case's was closed, so the cases of
 * an engine run on one execution context, which each binding hands to the next (with
 * {@code --keep-bindings} the previous cases' stay open, and each case gets a new context). Order
 * matters. On an H200, TensorRT ran every context of an engine slower once two or three of its
 * contexts had run: gru's graph took 189 µs of GPU time per replay, and 220 µs once a third had run
 * (EnginePlanProbe --streams, benchmarks/results/h200/2026-11-30d). The device outputs' shapes come
 * from {@link TensorRtEngine#outputShapes}, which runs nothing. In a process that had built the
 * engine every case was slow (benchmarks/results/h200/2026-11-30c). {@code --modes} sets the order,
 * so that the case that matters can come first.
 *
 * <pre>
 * java -cp 'infer4j-bench/target/lib/*' org.infer4j.bench.GraphBench -m resnet50.onnx,bert_base.onnx --out results/graphs
 * </pre>
 *
 * Exit status 0 when every model was measured, 1 when one failed, 2 for a usage error.
 */
@Command(name = "infer4j-graph-bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        description = "Latency of the tensorrt backend with and without CUDA graphs, host and device-resident I/O.")
public final class GraphBench implements Callable<Integer> {

    @Spec
    private @Nullable CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, split = ",", paramLabel = "FILE", description = "ONNX model file(s).")
    private List<Path> models = new ArrayList<>();

    @Option(names = "--precision", defaultValue = "FP16", description = "Precision (default: ${DEFAULT-VALUE}).")
    private Precision precision = Precision.FP16;

    @Option(names = "--batch", defaultValue = "1", description = "Batch size of open first dimensions (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--seq-len", defaultValue = "128", description = "Size of open second dimensions (default: ${DEFAULT-VALUE}).")
    private int seqLen;

    @Option(names = "--warmup", defaultValue = "20000",
            description = "Untimed runs per case, enough for the JIT's last tier to compile the call path (default: "
                    + "${DEFAULT-VALUE}), unless --warmup-seconds pass first.")
    private int warmup;

    @Option(names = "--warmup-seconds", defaultValue = "2",
            description = "Longest warm-up per case, for models whose runs take long (default: ${DEFAULT-VALUE}).")
    private double warmupSeconds;

    @Option(names = {"-n", "--iterations"}, defaultValue = "5000", description = "Timed runs per case (default: ${DEFAULT-VALUE}).")
    private int iterations;

    @Option(names = "--gpu-runs", defaultValue = "2000",
            description = "Back-to-back runs between the CUDA events of the GPU time (default: ${DEFAULT-VALUE}).")
    private int gpuRuns;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--zero-copy-limits", split = ",", paramLabel = "LIMIT", defaultValue = "default",
            converter = ZeroCopyLimitConverter.class,
            description = "The TensorRtSettings.zeroCopyLimit values to measure host arrays with, graphs off and on: bytes, "
                    + "'default', 'copy' (0: every tensor copied) or 'max' (none copied). Modes other than host are measured "
                    + "with the first only (default: ${DEFAULT-VALUE}).")
    private List<Long> zeroCopyLimits = new ArrayList<>();

    @Option(names = "--modes", split = ",", paramLabel = "MODE", defaultValue = "host,device",
            converter = ModeConverter.class,
            description = "The modes to measure per engine, in this order (one may come twice, each its own binding): host "
                    + "(host arrays), device (inputs and outputs in GPU memory), device-in (inputs only), device-out "
                    + "(outputs only); modes other than host with the first zero-copy limit only "
                    + "(default: ${DEFAULT-VALUE}).")
    private List<String> modes = new ArrayList<>();

    @Option(names = "--keep-bindings",
            description = "Keep each case's binding and device tensors open until its engine's last case is done, instead "
                    + "of closing them before the next case binds: each case then runs on a new execution context, not "
                    + "on the one the previous case's binding handed back.")
    private boolean keepBindings;

    @Option(names = "--clock-sampling-ms", paramLabel = "MS", defaultValue = "50",
            description = "How often NVML is read for each case's SM clock, 0 for never, to see whether reading it costs "
                    + "the GPU time (default: ${DEFAULT-VALUE}: rarely enough that the sampling thread cannot make a "
                    + "tail, often enough for long cases).")
    private long clockSamplingMillis;

    @Option(names = "--cpu", paramLabel = "N",
            description = "Pin the measuring thread (and so the CPU control) to this CPU, e.g. the quietest one HostJitter "
                    + "found; Linux with taskset only. Default: wherever the scheduler puts it.")
    private @Nullable Integer cpu;

    @Option(names = "--device-info", defaultValue = "${env:INFER4J_DEVICE_INFO}", description = "Device description for the results.")
    private @Nullable String deviceInfo;

    @Option(names = "--out", defaultValue = "target/graph-bench", paramLabel = "DIR",
            description = "Where the JSON per model goes (default: ${DEFAULT-VALUE}).")
    private Path out = Path.of("target/graph-bench");

    public static void main(String[] args) {
        System.exit(new CommandLine(new GraphBench()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    /** One measured case. */
    record Case(String mode, boolean cudaGraphs, @Nullable Long zeroCopyLimit, long runs, double meanMicros, double p50Micros, double p99Micros,
                double p99OverP50, double gpuMicrosPerRun, double smClockMhz, Map<String, Long> counters, List<String> notes) {
    }

    private static final List<String> MODES = List.of("host", "device", "device-in", "device-out");

    @Override
    public Integer call() throws IOException {
        if (clockSamplingMillis != 0 && clockSamplingMillis < GpuSampler.MIN_PERIOD.toMillis()) {
            throw new CommandLine.ParameterException(Objects.requireNonNull(spec, "picocli injects the spec").commandLine(),
                    "--clock-sampling-ms is 0 (off) or at least " + GpuSampler.MIN_PERIOD.toMillis() + ", not "
                            + clockSamplingMillis);
        }
        PrintWriter console = new PrintWriter(System.out, true);
        Files.createDirectories(out);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        if (cpu != null) {
            CpuAffinity.pinCurrentThread(cpu);
        }
        String allowedCpus = CpuAffinity.allowedCpus().orElse(null);
        int failed = 0;
        console.printf("%-12s %-10s %-18s %10s %10s %10s %8s %12s %8s%n", "model", "mode", "graphs", "mean µs", "p50 µs",
                "p99 µs", "p99/p50", "GPU µs/run", "SM MHz");
        GpuSampler clocks = clockSamplingMillis == 0 ? null : GpuSampler.start(Duration.ofMillis(clockSamplingMillis));
        try {
            for (Path model : models) {
                failed += benchModel(model, zeroCopyLimits, clocks, allowedCpus, json, console) ? 0 : 1;
            }
        } finally {
            if (clocks != null) {
                clocks.close();
            }
        }
        return failed == 0 ? 0 : 1;
    }

    /** Measures one model's cases and writes its JSON; false when it failed (the JSON says why). */
    private boolean benchModel(Path model, List<Long> limits, @Nullable GpuSampler clocks, @Nullable String allowedCpus, ObjectMapper json,
                               PrintWriter console) throws IOException {
        boolean ok = true;
        String name = model.getFileName().toString().replaceFirst("\\.onnx$", "");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", name);
        result.put("file", model.toString());
        result.put("backend", "tensorrt");
        result.put("precision", precision.name());
        result.put("batch", batch);
        result.put("seqLen", seqLen);
        result.put("warmup", warmup);
        result.put("warmupSeconds", warmupSeconds);
        result.put("iterations", iterations);
        result.put("gpuRuns", gpuRuns);
        result.put("smClockSampling", clocks == null ? "off" : clocks.isAvailable() ? clocks.period().toString()
                : clocks.unavailableReason());
        result.put("device", deviceInfo);
        result.put("cpu", cpu);
        result.put("allowedCpus", allowedCpus);
        result.put("keepBindings", keepBindings);
        // how CUDA loads kernels (lazily unless set), recorded as one candidate for run-to-run differences in GPU time
        result.put("cudaModuleLoading", System.getenv("CUDA_MODULE_LOADING"));
        result.put("infer4j", Environment.infer4jVersion());
        result.put("timestamp", Instant.now().toString());
        List<Case> cases = new ArrayList<>();
        try {
            Map<String, long[]> shapes = staticShapes(model);
            for (int i = 0; i < limits.size(); i++) {
                long limit = limits.get(i);
                // modes with GPU memory are measured with the first limit only; with no host mode, later limits have no case
                List<String> engineModes = i == 0 ? modes : modes.stream().filter("host"::equals).toList();
                if (engineModes.isEmpty()) {
                    continue;
                }
                for (boolean graphs : new boolean[] {false, true}) {
                    EngineBuilder builder = InferenceEngine.builder().backend("tensorrt").model(model).precision(precision)
                            .cudaGraphs(graphs).settings(TensorRtSettings.builder().zeroCopyLimit(limit).build());
                    shapes.forEach((input, shape) -> builder.shapeRange(input, ShapeRange.fixed(shape)));
                    try (InferenceEngine engine = builder.build()) {
                        // every case runs the same plan: the graph and zero-copy settings are not part of its cache key
                        result.putIfAbsent("planFile", ((TensorRtEngine) engine).planFile().map(Path::toString).orElse(null));
                        Map<String, Tensor> host = InputGenerator.generate(engine.inputs(), shapes, seed, 100);
                        Deque<AutoCloseable> kept = new ArrayDeque<>();
                        try {
                            for (String mode : engineModes) {
                                Case c = measure((TensorRtEngine) engine, host, mode, graphs, limit, clocks,
                                        keepBindings ? kept : null);
                                cases.add(c);
                                console.printf(Locale.ROOT, "%-12s %-10s %-18s %10.1f %10.1f %10.1f %8.2f %12.1f %8.0f%n", name,
                                        mode, graphsLabel(mode, graphs, limit), c.meanMicros(), c.p50Micros(), c.p99Micros(),
                                        c.p99OverP50(), c.gpuMicrosPerRun(), c.smClockMhz());
                            }
                        } finally {
                            try {
                                closeAll(kept);
                            } finally {
                                host.values().forEach(Tensor::close);
                            }
                        }
                    }
                }
            }
            double fastest = cases.stream().mapToDouble(Case::p50Micros).min().orElseThrow();
            CpuControl control = CpuControl.measure(fastest, Math.min(warmup, iterations), iterations);
            result.put("cpuControl", control);
            console.printf(Locale.ROOT, "%-12s %-10s %-18s %10.1f %10.1f %10.1f %8.2f %12s%n", name, "cpu", "-",
                    control.meanMicros(), control.p50Micros(), control.p99Micros(), control.p99OverP50(), "-");
        } catch (RuntimeException e) {
            ok = false;
            result.put("error", String.valueOf(e));
            console.printf("FAILED %s: %s%n", name, e);
        }
        result.put("cases", cases);
        json.writeValue(out.resolve(name + "-graphs.json").toFile(), result);
        return ok;
    }

    /**
     * "off" or "on", and for host arrays with a zero-copy limit what it leaves in place: "on zero-copy"
     * (every tensor), "off zero-copy ≤1024 B".
     */
    private static String graphsLabel(String mode, boolean graphs, long zeroCopyLimit) {
        String label = graphs ? "on" : "off";
        if (mode.equals("device") || zeroCopyLimit == 0) {
            return label;
        }
        return label + (zeroCopyLimit == Long.MAX_VALUE ? " zero-copy" : " zero-copy ≤" + zeroCopyLimit + " B");
    }

    /** A --modes value: one of {@link #MODES}. */
    static final class ModeConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String mode = value.trim().toLowerCase(Locale.ROOT);
            if (!MODES.contains(mode)) {
                throw new CommandLine.TypeConversionException("a mode is one of " + MODES + ", not '" + value + "'");
            }
            return mode;
        }
    }

    /** A --zero-copy-limits value in bytes: a count, "default", "copy" (0) or "max" (every tensor in place). */
    static final class ZeroCopyLimitConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "default" -> TensorRtSettings.DEFAULT_ZERO_COPY_LIMIT;
                case "copy" -> 0L;
                case "max" -> Long.MAX_VALUE;
                default -> {
                    long bytes;
                    try {
                        bytes = Long.parseLong(value.trim());
                    } catch (NumberFormatException e) {
                        bytes = -1;
                    }
                    if (bytes < 0) {
                        throw new CommandLine.TypeConversionException("a zero-copy limit is bytes (>= 0), 'default', "
                                + "'copy' or 'max', not '" + value + "'");
                    }
                    yield bytes;
                }
            };
        }
    }

    /**
     * Closes every kept binding, the newest first, then the device tensors they bound; all of them
     * even when one fails, whose failure is then thrown with the later ones suppressed.
     */
    private static void closeAll(Deque<AutoCloseable> kept) {
        IllegalStateException failure = null;
        while (!kept.isEmpty()) {
            try {
                kept.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing a kept binding or tensor failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Measures one case on a binding of its own. With {@code kept}, the binding and the device
     * tensors it binds go there, to be closed with the engine's last case; without, they are closed
     * before this returns.
     */
    private Case measure(TensorRtEngine engine, Map<String, Tensor> host, String mode, boolean graphs, long zeroCopyLimit,
                         @Nullable GpuSampler clocks, @Nullable Deque<AutoCloseable> kept) {
        List<Tensor> owned = new ArrayList<>();
        try {
            Map<String, Tensor> in = host;
            Map<String, Tensor> outs = Map.of();
            boolean deviceInputs = mode.equals("device") || mode.equals("device-in");
            boolean deviceOutputs = mode.equals("device") || mode.equals("device-out");
            if (deviceInputs) {
                in = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> h : host.entrySet()) {
                    Tensor d = engine.allocateDevice(h.getKey(), h.getValue().shape().toArray());
                    owned.add(d);
                    d.copyFrom(h.getValue());
                    in.put(h.getKey(), d);
                }
            }
            if (deviceOutputs) {
                outs = new LinkedHashMap<>();
                for (Map.Entry<String, Shape> o : engine.outputShapes(host).entrySet()) {
                    Tensor d = engine.allocateDevice(o.getKey(), o.getValue().toArray());
                    owned.add(d);
                    outs.put(o.getKey(), d);
                }
            }
            TensorRtBinding b = (TensorRtBinding) engine.bind(in, outs);
            try {
                long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
                for (int i = 0; i < warmup && System.nanoTime() < warmupEnd; i++) {
                    b.run();
                }
                LatencyRecorder recorder = LatencyRecorder.create();
                long timedFrom = System.nanoTime();
                for (int i = 0; i < iterations; i++) {
                    long start = System.nanoTime();
                    b.run();
                    recorder.record(System.nanoTime() - start);
                }
                LatencySnapshot s = recorder.snapshot();
                double gpu = b.gpuMicrosPerRun(gpuRuns);
                // the mean SM clock while the case ran, timed and GPU-timed runs: a GPU that clocked down shows here
                double smClock = clocks != null && clocks.isAvailable() ? clocks.summary(0, GpuMetric.SM_CLOCK, timedFrom, System.nanoTime()).mean()
                        : Double.NaN;
                Map<String, Long> counters = new LinkedHashMap<>();
                engine.stats().counters().forEach((k, v) -> {
                    if (k.startsWith("cudaGraphs.") || k.equals("tensorrt.layers") || k.equals("tensorrt.auxStreams")) {
                        counters.put(k, v);
                    }
                });
                double p50 = s.p50() / 1e3;
                double p99 = s.p99() / 1e3;
                return new Case(mode, graphs, mode.equals("device") ? null : zeroCopyLimit, s.count(), s.mean() / 1e3, p50, p99, p50 > 0 ? p99 / p50 : Double.NaN, gpu,
                        smClock, counters, engine.stats().notes());
            } finally {
                if (kept != null) {
                    kept.push(b);
                } else {
                    b.close();
                }
            }
        } finally {
            if (kept != null) {
                owned.forEach(t -> kept.addLast(t)); // closed after every binding, which may still bind them
            } else {
                owned.forEach(Tensor::close);
            }
        }
    }

    /**
     * The input shapes of the measured workload, read from the model's metadata (through ort-cpu,
     * which loads in a second). The engines get a static profile of exactly these shapes, as a CUDA
     * graph replays one shape anyway; the benchmark builds the same engine for batch 1, so it comes
     * from the cache where the benchmark ran first.
     */
    private Map<String, long[]> staticShapes(Path model) {
        try (InferenceEngine metadata = InferenceEngine.builder().backend("ort-cpu").model(model).build()) {
            return InputShapes.resolve(metadata.inputs(), new InputShapes.Request(batch, seqLen, Map.of()));
        }
    }
}
