package org.infer4j.bench.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.jspecify.annotations.Nullable;

/**
 * The reference backend's engine for one model (FP32, no options) and its outputs for each
 * workload, computed once and compared against every other backend's. When the reference cannot
 * run, comparisons are skipped with the reason. Owns its engine; not thread-safe.
 */
public final class Reference implements AutoCloseable {
    private final String name;
    private final @Nullable InferenceEngine engine;
    private final @Nullable String unavailableBecause;
    private final Map<String, Map<String, Agreement.OutputValues>> outputsByWorkload = new HashMap<>();

    private Reference(String name, @Nullable InferenceEngine engine, @Nullable String unavailableBecause) {
        this.name = name;
        this.engine = engine;
        this.unavailableBecause = unavailableBecause;
    }

    /**
     * The reference {@code name} for {@code model}, or, for a null name or one that cannot run the
     * model, a reference that skips every comparison and says why.
     */
    public static Reference open(@Nullable String name, Path model, Backends backends) {
        if (name == null) {
            return new Reference("none", null, "no reference backend was asked for");
        }
        try {
            return new Reference(name, InferenceEngine.builder().model(model).backend(name).backends(backends).build(), null);
        } catch (RuntimeException e) {
            return new Reference(name, null, "the reference " + name + " cannot run the model: " + e.getMessage());
        }
    }

    /** The model's inputs as the reference engine sees them, or null without an engine. */
    public @Nullable List<TensorInfo> inputs() {
        return engine != null ? engine.inputs() : null;
    }

    /**
     * How closely {@code actual} matches the reference's outputs for the same {@code inputs}.
     *
     * @param outputNames the outputs to compare, in model order
     */
    public Agreement compare(Workload workload, Map<String, Tensor> inputs, List<String> outputNames,
                             Map<String, Agreement.OutputValues> actual, double tolerance) {
        if (engine == null) {
            return Agreement.skipped(name, tolerance, Objects.requireNonNull(unavailableBecause));
        }
        Map<String, Agreement.OutputValues> expected;
        try {
            expected = outputsByWorkload.computeIfAbsent(workload.describe(), k -> run(engine, inputs));
        } catch (RuntimeException e) {
            return Agreement.skipped(name, tolerance, "the reference " + name + " failed on " + workload.describe() + ": "
                    + e.getMessage());
        }
        return Agreement.compareOutputs(name, outputNames, expected, actual, tolerance);
    }

    /**
     * Compares {@code candidate} with this reference, in FP32, on {@code count} seeded inputs of the workload's
     * shapes (seeds after the run's own, so the timed input is not among them).
     *
     * @param candidate the engine measured
     * @param precision the candidate's precision, which picks the bound
     * @param workload the shapes
     * @param count how many inputs
     * @param seed the run's seed
     * @param maxTokenId the largest token id plus one, for token inputs
     * @return the comparison, or null where the reference cannot run
     */
    public Accuracy.@Nullable Result accuracy(InferenceEngine candidate, Precision precision, Workload workload, int count,
                                              long seed, int maxTokenId) {
        if (engine == null) {
            return null;
        }
        return Accuracy.measure(engine, candidate, precision, count,
                i -> InputGenerator.generate(candidate.inputs(), workload.shapes(), seed + 1 + i, maxTokenId));
    }

    private static Map<String, Agreement.OutputValues> run(InferenceEngine engine, Map<String, Tensor> inputs) {
        Map<String, Agreement.OutputValues> values = new LinkedHashMap<>();
        try (Outputs outputs = engine.run(inputs)) {
            outputs.forEach(e -> values.put(e.getKey(), Agreement.OutputValues.of(e.getValue())));
        }
        return values;
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
    }
}
