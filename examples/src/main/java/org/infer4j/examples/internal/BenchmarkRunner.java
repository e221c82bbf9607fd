package org.infer4j.examples.internal;

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
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Precision;
import org.infer4j.ShapeRange;
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

    /** Receives each result as soon as it is known. */
    public interface Listener {
        void completed(RunReport report);

        void failed(Failure failure);
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
     */
    public record Plan(List<Path> models, List<String> backends, List<Precision> precisions, List<Integer> batches,
                       List<Integer> seqLens, Map<String, long[]> shapes, int warmup, Measurement.Limit limit, long seed,
                       int maxTokenId, @Nullable String reference, @Nullable Double tolerance, List<Option> options,
                       int device, boolean cudaGraphs, @Nullable String deviceInfo, List<SamplePeriod> gpuSamplePeriods,
                       int rounds) {
        public Plan {
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
                    options, device, cudaGraphs, deviceInfo, List.of(SamplePeriod.OFF), 1);
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
        for (Path model : plan.models()) {
            try (Reference reference = Reference.open(plan.reference(), model, backends)) {
                Map<String, ShapeRange> ranges = rangesFrom(reference.inputs());
                for (String backend : plan.backends()) {
                    for (Precision precision : plan.precisions()) {
                        runEngine(model, backend, precision, reference, ranges);
                    }
                }
            }
        }
    }

    /**
     * The shape ranges of the plan's workloads, from the reference's view of the inputs; none
     * without a reference or when the shapes cannot be decided (each engine then reports why).
     */
    private Map<String, ShapeRange> rangesFrom(@Nullable List<TensorInfo> inputs) {
        if (inputs == null) {
            return Map.of();
        }
        try {
            return Workload.ranges(inputs, Workload.all(inputs, plan.batches(), plan.seqLens(), plan.shapes()));
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private void runEngine(Path model, String backend, Precision precision, Reference reference,
                           Map<String, ShapeRange> ranges) {
        String modelName = String.valueOf(model.getFileName());
        Map<String, String> options = plan.optionsFor(backend);
        EngineBuilder builder = InferenceEngine.builder().model(model).backend(backend).precision(precision)
                .device(plan.device()).cudaGraphs(plan.cudaGraphs()).backends(backends);
        options.forEach(builder::option);
        ranges.forEach(builder::shapeRange);
        long start = System.nanoTime();
        InferenceEngine engine;
        try {
            engine = builder.build();
        } catch (RuntimeException e) {
            listener.failed(new Failure(modelName, backend, precision.name(), null, messageOf(e)));
            return;
        }
        double buildMs = (System.nanoTime() - start) / 1e6;
        try (engine) {
            List<Workload> workloads;
            try {
                workloads = Workload.all(engine.inputs(), plan.batches(), plan.seqLens(), plan.shapes());
            } catch (RuntimeException e) {
                listener.failed(new Failure(modelName, backend, precision.name(), null, messageOf(e)));
                return;
            }
            for (Workload workload : workloads) {
                List<RunReport> reports;
                try {
                    reports = measure(model, engine, precision, workload, reference, buildMs, options);
                } catch (RuntimeException e) {
                    listener.failed(new Failure(modelName, backend, precision.name(), workload.describe(), messageOf(e)));
                    continue;
                }
                reports.forEach(listener::completed);
            }
        }
    }

    /** One report per GPU sample period of the plan, all on the same binding and inputs. */
    private List<RunReport> measure(Path model, InferenceEngine engine, Precision precision, Workload workload,
                                    Reference reference, double buildMs, Map<String, String> options) {
        String timestamp = Instant.now().toString();
        List<String> outputNames = engine.outputs().stream().map(TensorInfo::name).toList();
        try (TensorMap generated = new TensorMap(
                InputGenerator.generate(engine.inputs(), workload.shapes(), plan.seed(), plan.maxTokenId()));
             TensorMap bound = TensorMap.copiesFor(engine, generated.tensors())) {
            Map<SamplePeriod, Timed> timed;
            Map<String, Agreement.OutputValues> outputs = new LinkedHashMap<>();
            try (Binding binding = engine.bind(bound.tensors())) {
                timed = measureRounds(binding);
                for (String name : outputNames) {
                    outputs.put(name, Agreement.OutputValues.of(binding.output(name)));
                }
            }
            Agreement agreement = reference.compare(workload, generated.tensors(), outputNames, outputs,
                    plan.toleranceFor(precision));
            SamplePeriod baseline = plan.gpuSamplePeriods().contains(SamplePeriod.OFF) ? SamplePeriod.OFF : null;
            List<RunReport> reports = new ArrayList<>();
            for (Map.Entry<SamplePeriod, Timed> entry : timed.entrySet()) {
                SamplePeriod period = entry.getKey();
                Timed t = entry.getValue();
                LatencySnapshot latency = t.latency();
                Rounds rounds = plan.inRounds() ? new Rounds(t.roundP50Us.size(), plan.gpuSamplePeriods().size() > 1 ? "ABBA" : "-",
                        plan.gpuSamplePeriods().stream().map(SamplePeriod::label).toList(), t.roundP50Us) : null;
                SamplingOverhead overhead = baseline != null && !period.equals(baseline)
                        ? SamplingOverhead.of(baseline, period, timed.get(baseline).roundP50Us, t.roundP50Us) : null;
                reports.add(new RunReport(timestamp, hostname, String.valueOf(model.getFileName()), model.toString(),
                        engine.backend(), precision.name(), workload.batch(), workload.seqLen(), plan.cudaGraphs(),
                        inputReports(engine, workload), plan.warmup(), latency.measuredCount(),
                        plan.limit().duration() != null ? plan.limit().duration().toNanos() / 1e9 : null, plan.seed(), buildMs,
                        LatencyMicros.of(latency), workload.batch() * t.throughputPerSecond(), period.label(),
                        t.gpuWindows.isEmpty() ? null : GpuReport.of(t.gpuWindows), rounds, overhead, agreement,
                        device(engine.backend()), versions, engine.stats(), options));
            }
            return reports;
        }
    }

    /** The latencies and GPU windows of one sample period, over its rounds. */
    private static final class Timed {
        final List<LatencySnapshot> roundLatencies = new ArrayList<>();
        final List<Double> roundP50Us = new ArrayList<>();
        final List<GpuSnapshot> gpuWindows = new ArrayList<>();

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
     * Warms up once, then measures each sample period's timed window {@code rounds} times: the periods in
     * the given order in even rounds and reversed in odd ones (A B, B A, A B, ...), so that a drift in
     * clocks or temperature weighs on every period alike. A period that is not off gets a sampler of its
     * own, started before its window and closed after it: "off" runs with no sampling thread at all.
     */
    private Map<SamplePeriod, Timed> measureRounds(Binding binding) {
        Measurement.warmUp(binding, plan.warmup());
        Map<SamplePeriod, Timed> timed = new LinkedHashMap<>();
        plan.gpuSamplePeriods().forEach(p -> timed.put(p, new Timed()));
        for (int round = 0; round < plan.rounds(); round++) {
            List<SamplePeriod> order = new ArrayList<>(plan.gpuSamplePeriods());
            if (round % 2 == 1) {
                Collections.reverse(order);
            }
            for (SamplePeriod period : order) {
                Timed t = timed.get(period);
                LatencySnapshot latency;
                if (period.isOff()) {
                    latency = Measurement.measure(binding, 0, plan.limit());
                } else {
                    try (GpuSampler sampler = gpuSamplers.start(period.duration())) {
                        long from = System.nanoTime();
                        latency = Measurement.measure(binding, 0, plan.limit());
                        t.gpuWindows.add(sampler.snapshot(from, System.nanoTime()));
                    }
                }
                t.roundLatencies.add(latency);
                t.roundP50Us.add(latency.p50() / 1e3);
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
