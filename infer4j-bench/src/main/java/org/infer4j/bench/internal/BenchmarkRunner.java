package org.infer4j.bench.internal;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.Availability;
import org.infer4j.BackendStatus;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.ElementType;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Int8Calibration;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.metrics.GpuSampler;
import org.infer4j.metrics.GpuSnapshot;
import org.infer4j.metrics.LatencySnapshot;
import org.jspecify.annotations.Nullable;

/**
 * Runs a {@link Plan}: for each model, each backend and precision builds one engine (timed), then
 * measures every workload on it with the same seeded inputs, and compares the outputs with the
 * reference backend's. A backend that cannot build or run is reported as a {@link Failure} and the
 * rest go on. Results go to a {@link Listener} as they come. Not thread-safe; one run at a time.
 */
public final class BenchmarkRunner {
    /** Seeded random batches an INT8 engine is calibrated on unless the plan says otherwise. */
    public static final int DEFAULT_CALIBRATION_BATCHES = 32;

    /** Receives each result as soon as it is known. */
    public interface Listener {
        void completed(RunReport report);

        void failed(Failure failure);

        /** The sweep is expected to make {@code measurements} measurements (refined as models are opened). */
        default void planned(int measurements) {
        }

        /** A measurement of {@code what} starts. */
        default void starting(String what) {
        }

        /** A measurement finished after {@code nanos} (completed or failed). */
        default void measured(long nanos, String what) {
        }

        /** Builds an engine ({@code build.get()}), with whatever progress the listener shows meanwhile. */
        default <T> T building(String what, java.util.function.Supplier<T> build) {
            return build.get();
        }
    }

    /** An escape-hatch option for one backend, or for every backend when {@code backend} is null. */
    public record Option(@Nullable String backend, String key, String value) {
    }

    /**
     * What to run: models × backends × precisions × batch sizes × sequence lengths.
     *
     * @param batches batch sizes; empty for the model's own
     * @param seqLens sequence lengths for inputs with an open second dimension
     * @param shapes exact input shapes by name, overriding batch and sequence length
     * @param reference the backend whose outputs count as right, or null for no comparison
     * @param tolerance the largest absolute difference from the reference that passes, or null
     *        for {@link Agreement#defaultTolerance the precision's default}
     * @param deviceInfo a description of the device from outside (e.g. nvidia-smi), or null
     * @param gpuSamplePeriods how often to sample the GPU during the timed window; with more than one,
     *        each workload is measured once per period, in {@code rounds} alternating rounds (ABBA)
     * @param rounds how many times each period's timed window (of {@code limit}) is measured
     * @param sweep CUDA graphs off/on, static/dynamic profiles, and the loads (threads, fixed rates)
     * @param pytorchJson where PyTorch's {@code NAME.json} lie (a file or a directory); null for beside the model
     * @param pytorch whether to look for PyTorch's figures at all
     * @param gpuOffReason why runs with sampling off were not sampled (no NVML here, ...); null for "asked for"
     * @param accuracyInputs how many further inputs each run's outputs are compared on with the reference's FP32
     *        outputs ({@link Accuracy}); 0 for none
     * @param calibrationBatches how many seeded random batches, of the first workload's shapes, INT8 engines are
     *        calibrated on (the reference backend supplies the model's inputs)
     */
    public record Plan(List<Path> models, List<String> backends, List<Precision> precisions, List<Integer> batches,
                       List<Integer> seqLens, Map<String, long[]> shapes, int warmup, Measurement.Limit limit, long seed,
                       int maxTokenId, @Nullable String reference, @Nullable Double tolerance, List<Option> options,
                       int device, Sweep sweep, @Nullable String deviceInfo, List<SamplePeriod> gpuSamplePeriods,
                       int rounds, @Nullable Path pytorchJson, boolean pytorch, @Nullable String gpuOffReason,
                       int accuracyInputs, int calibrationBatches) {
        public Plan {
            if (calibrationBatches < 1) {
                throw new IllegalArgumentException("--int8-calibration-batches must be >= 1, not " + calibrationBatches);
            }
            if (accuracyInputs < 0) {
                throw new IllegalArgumentException("--accuracy-inputs must be >= 0, not " + accuracyInputs);
            }
            gpuSamplePeriods = List.copyOf(gpuSamplePeriods);
            if (gpuSamplePeriods.isEmpty()) {
                throw new IllegalArgumentException("a plan needs at least one GPU sample period (or off)");
            }
            if (gpuSamplePeriods.stream().distinct().count() != gpuSamplePeriods.size()) {
                throw new IllegalArgumentException("--gpu-sample-period lists a period twice: " + gpuSamplePeriods);
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("--rounds must be at least 1, not " + rounds);
            }
            models = List.copyOf(models);
            backends = List.copyOf(backends);
            precisions = List.copyOf(precisions);
            batches = List.copyOf(batches);
            seqLens = List.copyOf(seqLens);
            shapes = Map.copyOf(shapes);
            options = List.copyOf(options);
            if (models.isEmpty() || backends.isEmpty() || precisions.isEmpty()) {
                throw new IllegalArgumentException("a plan needs at least one model, backend and precision");
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("--warmup must be >= 0, not " + warmup);
            }
            if (tolerance != null && !(tolerance >= 0)) {
                throw new IllegalArgumentException("--tolerance must be >= 0, not " + tolerance);
            }
        }

        /** A plan without GPU sampling, measured once. */
        public Plan(List<Path> models, List<String> backends, List<Precision> precisions, List<Integer> batches,
                    List<Integer> seqLens, Map<String, long[]> shapes, int warmup, Measurement.Limit limit, long seed,
                    int maxTokenId, @Nullable String reference, @Nullable Double tolerance, List<Option> options,
                    int device, boolean cudaGraphs, @Nullable String deviceInfo) {
            this(models, backends, precisions, batches, seqLens, shapes, warmup, limit, seed, maxTokenId, reference, tolerance,
                    options, device, Sweep.single(cudaGraphs), deviceInfo, List.of(SamplePeriod.OFF), 1, null, false, null, 0,
                    DEFAULT_CALIBRATION_BATCHES);
        }

        /** The most caller threads any load of the sweep uses. */
        int maxThreads() {
            return sweep.loads().stream().mapToInt(Sweep.Load::threads).max().orElse(1);
        }

        /** Whether runs are split into rounds (several periods compared, or several rounds asked for). */
        boolean inRounds() {
            return gpuSamplePeriods.size() > 1 || rounds > 1;
        }

        /** The options that apply to {@code backend}: the common ones, then its own. */
        public Map<String, String> optionsFor(String backend) {
            Map<String, String> result = new LinkedHashMap<>();
            options.stream().filter(o -> o.backend() == null).forEach(o -> result.put(o.key(), o.value()));
            options.stream().filter(o -> backend.equals(o.backend())).forEach(o -> result.put(o.key(), o.value()));
            return result;
        }

        double toleranceFor(Precision precision) {
            return tolerance != null ? tolerance : Agreement.defaultTolerance(precision);
        }
    }

    private final Plan plan;
    private final Backends backends;
    private final Listener listener;
    private final GpuSamplers gpuSamplers;
    private final Map<String, Availability> availability = new LinkedHashMap<>();
    private final Map<String, String> versions;
    private final String hostname;

    public BenchmarkRunner(Plan plan, Backends backends, Listener listener) {
        this(plan, backends, listener, GpuSamplers.NVML);
    }

    /** With the GPU samplers to use for the plan's sample periods (NVML, or a fake in tests). */
    public BenchmarkRunner(Plan plan, Backends backends, Listener listener, GpuSamplers gpuSamplers) {
        this.gpuSamplers = gpuSamplers;
        this.plan = plan;
        this.backends = backends;
        this.listener = listener;
        List<BackendStatus> statuses = statusesOfPlan();
        statuses.forEach(s -> availability.put(s.name(), s.availability()));
        this.versions = Environment.versions(statuses);
        this.hostname = Environment.hostname();
    }

    /**
     * The status of the plan's backends and reference only: asking every backend would load native
     * libraries (CUDA, TensorRT) that a CPU-only run has no use for.
     */
    private List<BackendStatus> statusesOfPlan() {
        List<String> names = new java.util.ArrayList<>(plan.backends());
        if (plan.reference() != null && !names.contains(plan.reference())) {
            names.add(plan.reference());
        }
        List<BackendStatus> statuses = new java.util.ArrayList<>();
        for (String name : names) {
            backends.find(name).ifPresent(p -> statuses.add(new BackendStatus(p.name(), p.priority(), p.description(),
                    availabilityOf(p))));
        }
        return statuses;
    }

    private static Availability availabilityOf(org.infer4j.spi.BackendProvider provider) {
        try {
            return provider.availability();
        } catch (RuntimeException | LinkageError e) { // the SPI forbids throwing here; report it rather than stop
            return Availability.unavailable("availability check of " + provider.name() + " failed: " + e,
                    "report this as a bug of the backend", e);
        }
    }

    /** Runs the whole plan. */
    public void run() {
        int estimate = 0;
        List<Integer> perModel = new ArrayList<>();
        for (int i = 0; i < plan.models().size(); i++) {
            int m = estimateMeasurements(null, List.of());
            perModel.add(m);
            estimate += m;
        }
        listener.planned(estimate);
        for (int i = 0; i < plan.models().size(); i++) {
            Path model = plan.models().get(i);
            try (Reference reference = Reference.open(plan.reference(), model, backends)) {
                List<TensorInfo> inputs = reference.inputs();
                List<Workload> workloads = workloadsFrom(inputs);
                int known = estimateMeasurements(inputs, workloads);
                estimate += known - perModel.get(i);
                listener.planned(estimate);
                PyTorchPeer peer = pytorchPeer(model);
                for (String backend : plan.backends()) {
                    for (Precision precision : plan.precisions()) {
                        for (Sweep.EngineSpec spec : plan.sweep().engines(inputs, workloads)) {
                            runEngine(model, backend, precision, reference, spec, peer);
                        }
                    }
                }
            }
        }
    }

    /** Measurements of one model: per backend and precision, each engine's workloads × loads (× sample periods). */
    private int estimateMeasurements(@Nullable List<TensorInfo> inputs, List<Workload> workloads) {
        int guess = Math.max(1, plan.batches().size()) * Math.max(1, plan.seqLens().size());
        int perEngineSet = 0;
        for (Sweep.EngineSpec spec : plan.sweep().engines(inputs, workloads)) {
            perEngineSet += plan.sweep().measurementsOf(spec, guess);
        }
        if (inputs == null && plan.sweep().profiles().contains(Sweep.Profile.STATIC)) {
            perEngineSet += plan.sweep().cudaGraphs().size() * plan.sweep().loads().size() * (guess - 1);
        }
        return plan.backends().size() * plan.precisions().size() * perEngineSet;
    }

    private @Nullable PyTorchPeer pytorchPeer(Path model) {
        if (!plan.pytorch()) {
            return null;
        }
        Path file = PyTorchPeer.locate(plan.pytorchJson(), model);
        if (file == null) {
            return null;
        }
        try {
            return PyTorchPeer.read(file);
        } catch (RuntimeException e) {
            listener.failed(new Failure(String.valueOf(model.getFileName()), "pytorch", "-", null, messageOf(e)));
            return null;
        }
    }

    /**
     * The plan's workloads, from the reference's view of the inputs; none without a reference or when the
     * shapes cannot be decided (each engine then decides them, or reports why).
     */
    private List<Workload> workloadsFrom(@Nullable List<TensorInfo> inputs) {
        if (inputs == null) {
            return List.of();
        }
        try {
            return Workload.all(inputs, plan.batches(), plan.seqLens(), plan.shapes());
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private void runEngine(Path model, String backend, Precision precision, Reference reference, Sweep.EngineSpec spec,
                           @Nullable PyTorchPeer peer) {
        String modelName = String.valueOf(model.getFileName());
        Map<String, String> options = plan.optionsFor(backend);
        String what = modelName.replaceFirst("\\.onnx$", "") + " on " + backend + " " + precision + " (" + spec.describe()
                + (spec.profile() == Sweep.Profile.STATIC && spec.workloads().size() == 1
                        ? " " + spec.workloads().get(0).describe() : "") + ")";
        if (spec.profile() == Sweep.Profile.STATIC && spec.workloads().isEmpty()) {
            listener.failed(new Failure(modelName, backend, precision.name(), null, "a static profile needs the model's input "
                    + "shapes, which come from the reference backend; give --reference or use --profile dynamic"));
            return;
        }
        EngineBuilder builder = InferenceEngine.builder().model(model).backend(backend).precision(precision)
                .device(plan.device()).cudaGraphs(spec.cudaGraphs()).backends(backends);
        options.forEach(builder::option);
        spec.ranges().forEach(builder::shapeRange);
        long start = System.nanoTime();
        InferenceEngine engine;
        List<TensorMap> calibration = new ArrayList<>();
        try {
            if (precision == Precision.INT8) {
                builder.int8Calibration(calibration(reference, spec, calibration));
            }
            engine = listener.building(what, builder::build);
        } catch (RuntimeException e) {
            listener.failed(new Failure(modelName, backend, precision.name(), null, messageOf(e)));
            return;
        } finally {
            calibration.forEach(TensorMap::close);
        }
        double buildMs = (System.nanoTime() - start) / 1e6;
        try (engine) {
            List<Workload> workloads = spec.workloads();
            if (workloads.isEmpty()) {
                try {
                    workloads = Workload.all(engine.inputs(), plan.batches(), plan.seqLens(), plan.shapes());
                } catch (RuntimeException e) {
                    listener.failed(new Failure(modelName, backend, precision.name(), null, messageOf(e)));
                    return;
                }
            }
            for (Workload workload : workloads) {
                long began = System.nanoTime();
                List<RunReport> reports;
                try {
                    reports = measure(model, engine, precision, workload, reference, buildMs, options, spec, peer);
                } catch (RuntimeException e) {
                    listener.failed(new Failure(modelName, backend, precision.name(), workload.describe(), messageOf(e)));
                    listener.measured(System.nanoTime() - began, what + " " + workload.describe());
                    continue;
                }
                reports.forEach(listener::completed);
            }
        }
    }

    /**
     * Seeded random calibration batches of the first workload's shapes, for models with random weights (whose
     * agreement with FP32 is what {@link Accuracy} measures); the batches go into {@code owned}, which the caller
     * closes after the build. The identity names the seed, count and shapes, so equal plans share a table.
     */
    private Int8Calibration calibration(Reference reference, Sweep.EngineSpec spec, List<TensorMap> owned) {
        List<TensorInfo> inputs = reference.inputs();
        if (inputs == null) {
            throw new IllegalArgumentException("INT8 calibration batches are made from the model's inputs as the reference "
                    + "backend reads them; give --reference");
        }
        Workload first = spec.workloads().isEmpty()
                ? Workload.all(inputs, plan.batches(), plan.seqLens(), plan.shapes()).get(0)
                : spec.workloads().get(0);
        List<Map<String, Tensor>> batches = new ArrayList<>();
        for (int i = 0; i < plan.calibrationBatches(); i++) {
            TensorMap batch = new TensorMap(InputGenerator.generate(inputs, first.shapes(), plan.seed() + 10_000 + i,
                    plan.maxTokenId()));
            owned.add(batch);
            batches.add(batch.tensors());
        }
        return Int8Calibration.builder(batches).identity("infer4j-bench seeded random: seed " + plan.seed() + ", "
                + plan.calibrationBatches() + " batches of " + first.describe() + ", token ids below " + plan.maxTokenId())
                .build();
    }

    /**
     * One report per load and GPU sample period of the plan, all on the same engine and inputs: one binding
     * per caller thread, each on its own copies of the same seeded inputs, warmed up before any timing.
     */
    private List<RunReport> measure(Path model, InferenceEngine engine, Precision precision, Workload workload,
                                    Reference reference, double buildMs, Map<String, String> options, Sweep.EngineSpec spec,
                                    @Nullable PyTorchPeer peer) {
        List<String> outputNames = engine.outputs().stream().map(TensorInfo::name).toList();
        String modelName = String.valueOf(model.getFileName());
        List<TensorMap> boundInputs = new ArrayList<>();
        List<Binding> bindings = new ArrayList<>();
        try (TensorMap generated = new TensorMap(
                InputGenerator.generate(engine.inputs(), workload.shapes(), plan.seed(), plan.maxTokenId()))) {
            Map<String, RunReport.InputReport> inputs = inputReports(engine, workload);
            for (int t = 0; t < plan.maxThreads(); t++) {
                TensorMap bound = TensorMap.copiesFor(engine, generated.tensors());
                boundInputs.add(bound);
                bindings.add(engine.bind(bound.tensors()));
            }
            long first = System.nanoTime();
            bindings.get(0).run(); // timed apart: a backend that compiles lazily does it here
            double firstRunMs = (System.nanoTime() - first) / 1e6;
            bindings.forEach(b -> Measurement.warmUp(b, plan.warmup()));
            List<Pending> pending = new ArrayList<>();
            for (Sweep.Load load : plan.sweep().loads()) {
                String what = modelName.replaceFirst("\\.onnx$", "") + " " + engine.backend() + " " + precision + " "
                        + workload.describe() + " " + spec.describe() + ", " + load.describe();
                listener.starting(what);
                long began = System.nanoTime();
                String timestamp = Instant.now().toString();
                Map<SamplePeriod, Timed> timed = measureRounds(bindings.subList(0, load.threads()), load);
                pending.add(new Pending(timestamp, load, timed));
                listener.measured(System.nanoTime() - began, what);
            }
            Map<String, Agreement.OutputValues> outputs = new LinkedHashMap<>();
            for (String name : outputNames) {
                outputs.put(name, Agreement.OutputValues.of(bindings.get(0).output(name)));
            }
            Agreement agreement = reference.compare(workload, generated.tensors(), outputNames, outputs,
                    plan.toleranceFor(precision));
            Accuracy.Result accuracy = plan.accuracyInputs() == 0 ? null
                    : reference.accuracy(engine, precision, workload, plan.accuracyInputs(), plan.seed(), plan.maxTokenId());
            Map<String, List<Long>> shapes = new LinkedHashMap<>();
            inputs.forEach((name, in) -> shapes.put(name, in.shape()));
            PyTorchPeer.Report pytorch = peer == null ? null : peer.reportFor(precision.name(), shapes);
            SamplePeriod baseline = plan.gpuSamplePeriods().contains(SamplePeriod.OFF) ? SamplePeriod.OFF : null;
            List<RunReport> reports = new ArrayList<>();
            for (Pending p : pending) {
                for (Map.Entry<SamplePeriod, Timed> entry : p.timed.entrySet()) {
                    SamplePeriod period = entry.getKey();
                    Timed t = entry.getValue();
                    LatencySnapshot latency = t.latency();
                    Rounds rounds = plan.inRounds() ? new Rounds(t.roundP50Us.size(), plan.gpuSamplePeriods().size() > 1 ? "ABBA" : "-",
                            plan.gpuSamplePeriods().stream().map(SamplePeriod::label).toList(), t.roundP50Us) : null;
                    SamplingOverhead overhead = baseline != null && !period.equals(baseline)
                            ? SamplingOverhead.of(baseline, period, p.timed.get(baseline).roundP50Us, t.roundP50Us) : null;
                    double runsPerSecond = t.throughputPerSecond();
                    RunReport.LoadReport loadReport = RunReport.LoadReport.of(p.load, runsPerSecond, t.maxStartLagNanos);
                    GpuReport gpu = t.gpuWindows.isEmpty() ? null : GpuReport.of(t.gpuWindows);
                    reports.add(new RunReport(p.timestamp, hostname, modelName, model.toString(),
                            engine.backend(), precisionLabel(precision, engine), workload.batch(), workload.seqLen(), spec.cudaGraphs(),
                            inputs, plan.warmup(), latency.measuredCount(),
                            plan.limit().duration() != null ? plan.limit().duration().toNanos() / 1e9 : null, plan.seed(), buildMs,
                            firstRunMs, LatencyMicros.of(latency), workload.batch() * runsPerSecond, period.label(), gpu, rounds, overhead,
                            agreement, device(engine.backend()), versions, engine.stats(), options, spec.profile().label(),
                            RunReport.ProfileRange.of(spec.ranges()), p.load.threads(), loadReport, LatencyMicros.curve(latency),
                            Hygiene.of(plan.warmup(), plan.seed(), p.load, period, gpu, gpu == null ? noGpuReason() : null),
                            pytorch, accuracy));
                }
            }
            return reports;
        } finally {
            bindings.forEach(Binding::close);
            boundInputs.forEach(TensorMap::close);
        }
    }

    /**
     * What precision ran, for reports: the setting's name, unless the model's own floating-point
     * inputs and outputs are half precision while the setting is FP32 (ONNX Runtime and TensorRT then
     * run the model's FP16 arithmetic as it is): {@code "FP16 model (FP32 setting)"}.
     */
    static String precisionLabel(Precision precision, InferenceEngine engine) {
        List<TensorInfo> io = new ArrayList<>(engine.inputs());
        io.addAll(engine.outputs());
        boolean halfModel = io.stream().anyMatch(t -> t.elementType() == ElementType.FLOAT16 || t.elementType() == ElementType.BFLOAT16)
                && io.stream().noneMatch(t -> t.elementType() == ElementType.FLOAT32);
        return precision == Precision.FP32 && halfModel ? "FP16 model (FP32 setting)" : precision.name();
    }

    /** Why no GPU was sampled: the plan's reason (e.g. NVML cannot be read here), else that sampling was turned off. */
    private String noGpuReason() {
        return plan.gpuOffReason() != null ? plan.gpuOffReason() : "--gpu-sample-period off";
    }

    /** A load measured, its report still to be written (the agreement comes after all loads). */
    private record Pending(String timestamp, Sweep.Load load, Map<SamplePeriod, Timed> timed) {
    }

    /** The latencies and GPU windows of one sample period, over its rounds. */
    private static final class Timed {
        final List<LatencySnapshot> roundLatencies = new ArrayList<>();
        final List<Double> roundP50Us = new ArrayList<>();
        final List<GpuSnapshot> gpuWindows = new ArrayList<>();
        long maxStartLagNanos;

        LatencySnapshot latency() {
            LatencySnapshot all = roundLatencies.get(0);
            for (int i = 1; i < roundLatencies.size(); i++) {
                all = all.merge(roundLatencies.get(i));
            }
            return all;
        }

        /** Runs per second of timed window, the gaps between rounds left out. */
        double throughputPerSecond() {
            long runs = 0;
            long nanos = 0;
            for (LatencySnapshot s : roundLatencies) {
                runs += s.measuredCount();
                nanos += s.windowNanos();
            }
            return nanos == 0 ? 0 : runs * 1e9 / nanos;
        }
    }

    /**
     * Measures each sample period's timed window {@code rounds} times: the periods in the given order in even
     * rounds and reversed in odd ones (A B, B A, A B, ...), so that a drift in clocks or temperature weighs on
     * every period alike. A period that is not off gets a sampler of its own, started before its window and
     * closed after it: "off" runs with no sampling thread at all. The bindings are warmed up already.
     */
    private Map<SamplePeriod, Timed> measureRounds(List<Binding> bindings, Sweep.Load load) {
        Map<SamplePeriod, Timed> timed = new LinkedHashMap<>();
        plan.gpuSamplePeriods().forEach(p -> timed.put(p, new Timed()));
        for (int round = 0; round < plan.rounds(); round++) {
            List<SamplePeriod> order = new ArrayList<>(plan.gpuSamplePeriods());
            if (round % 2 == 1) {
                Collections.reverse(order);
            }
            for (SamplePeriod period : order) {
                Timed t = timed.get(period);
                LoadDriver.Timing timing;
                if (period.isOff()) {
                    timing = LoadDriver.measure(bindings, load, plan.limit());
                } else {
                    try (GpuSampler sampler = gpuSamplers.start(period.duration())) {
                        long from = System.nanoTime();
                        timing = LoadDriver.measure(bindings, load, plan.limit());
                        t.gpuWindows.add(sampler.snapshot(from, System.nanoTime()));
                    }
                }
                t.roundLatencies.add(timing.latency());
                t.roundP50Us.add(timing.latency().p50() / 1e3);
                t.maxStartLagNanos = Math.max(t.maxStartLagNanos, timing.maxStartLagNanos());
            }
        }
        return timed;
    }

    private static Map<String, RunReport.InputReport> inputReports(InferenceEngine engine, Workload workload) {
        Map<String, RunReport.InputReport> inputs = new LinkedHashMap<>();
        for (TensorInfo info : engine.inputs()) {
            long[] shape = workload.shapes().get(info.name());
            inputs.put(info.name(), new RunReport.InputReport(info.elementType().name(),
                    java.util.Arrays.stream(shape).boxed().toList()));
        }
        return inputs;
    }

    private Map<String, String> device(String backend) {
        Map<String, String> device = new LinkedHashMap<>();
        Availability a = availability.get(backend);
        device.put("backend", a != null ? a.detail() : "unknown");
        device.put("device_index", Integer.toString(plan.device()));
        if (plan.deviceInfo() != null) {
            device.put("info", plan.deviceInfo());
        }
        return device;
    }

    private static String messageOf(RuntimeException e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
