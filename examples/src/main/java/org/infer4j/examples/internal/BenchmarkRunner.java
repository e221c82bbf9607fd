package org.infer4j.examples.internal;

import java.nio.file.Path;
import java.time.Instant;
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
     */
    public record Plan(List<Path> models, List<String> backends, List<Precision> precisions, List<Integer> batches,
                       List<Integer> seqLens, Map<String, long[]> shapes, int warmup, Measurement.Limit limit, long seed,
                       int maxTokenId, @Nullable String reference, @Nullable Double tolerance, List<Option> options,
                       int device, boolean cudaGraphs, @Nullable String deviceInfo) {
        public Plan {
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
    private final Map<String, Availability> availability = new LinkedHashMap<>();
    private final Map<String, String> versions;
    private final String hostname;

    public BenchmarkRunner(Plan plan, Backends backends, Listener listener) {
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
                RunReport report;
                try {
                    report = measure(model, engine, precision, workload, reference, buildMs, options);
                } catch (RuntimeException e) {
                    listener.failed(new Failure(modelName, backend, precision.name(), workload.describe(), messageOf(e)));
                    continue;
                }
                listener.completed(report);
            }
        }
    }

    private RunReport measure(Path model, InferenceEngine engine, Precision precision, Workload workload, Reference reference,
                              double buildMs, Map<String, String> options) {
        String timestamp = Instant.now().toString();
        List<String> outputNames = engine.outputs().stream().map(TensorInfo::name).toList();
        try (TensorMap generated = new TensorMap(
                InputGenerator.generate(engine.inputs(), workload.shapes(), plan.seed(), plan.maxTokenId()));
             TensorMap bound = TensorMap.copiesFor(engine, generated.tensors())) {
            LatencySnapshot latency;
            Map<String, Agreement.OutputValues> outputs = new LinkedHashMap<>();
            try (Binding binding = engine.bind(bound.tensors())) {
                latency = Measurement.measure(binding, plan.warmup(), plan.limit());
                for (String name : outputNames) {
                    outputs.put(name, Agreement.OutputValues.of(binding.output(name)));
                }
            }
            Agreement agreement = reference.compare(workload, generated.tensors(), outputNames, outputs,
                    plan.toleranceFor(precision));
            return new RunReport(timestamp, hostname, String.valueOf(model.getFileName()), model.toString(), engine.backend(),
                    precision.name(), workload.batch(), workload.seqLen(), plan.cudaGraphs(), inputReports(engine, workload),
                    plan.warmup(), latency.count(),
                    plan.limit().duration() != null ? plan.limit().duration().toNanos() / 1e9 : null, plan.seed(), buildMs,
                    LatencyMicros.of(latency), workload.batch() * latency.throughputPerSecond(), agreement,
                    device(engine.backend()), versions, engine.stats(), options);
        }
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
