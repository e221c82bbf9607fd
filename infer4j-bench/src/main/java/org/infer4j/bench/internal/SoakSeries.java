package org.infer4j.bench.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Tensor;

/**
 * One (model, backend configuration, precision) of the soak: its engine, shared by every worker
 * thread, its seeded inputs, and the outputs the engine gave for each input when it ran them one at
 * a time before any other thread started (the reference). Counts what the soak did with it.
 *
 * <p>Thread-safe once opened: the engine is (its backend says how), the inputs and references are
 * only read, the counters are {@link LongAdder}s. {@link #close()} must wait until no thread uses it.
 */
public final class SoakSeries implements AutoCloseable {

    /**
     * One input set: a shape (by batch size) and one seed.
     *
     * @param shapeIndex which of the series' shapes; inputs of one shape can share a {@code Binding}
     * @param label e.g. {@code input=4x16 seed 43}
     * @param tensors host tensors by input name, owned by the series
     */
    public record Input(int shapeIndex, String label, Map<String, Tensor> tensors) {
    }

    private final String name;
    private final String model;
    private final BackendConfig config;
    private final Precision precision;
    private final EngineBuilder builder;
    private final InferenceEngine engine;
    private final List<Input> inputs;
    /** Per input, the reference outputs by name, in model order. */
    private final List<Map<String, ExpectedOutput>> expected;
    private final OutputCheck check;
    private final OutputCheck rebuiltCheck;

    final LongAdder engineRuns = new LongAdder();
    final LongAdder bindingRuns = new LongAdder();
    final LongAdder churnCycles = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder mismatches = new LongAdder();

    private SoakSeries(String model, BackendConfig config, Precision precision, EngineBuilder builder, InferenceEngine engine,
                       List<Input> inputs, List<Map<String, ExpectedOutput>> expected, OutputCheck check,
                       OutputCheck rebuiltCheck) {
        this.name = model + " " + config.label() + " " + precision;
        this.model = model;
        this.config = config;
        this.precision = precision;
        this.builder = builder;
        this.engine = engine;
        this.inputs = inputs;
        this.expected = expected;
        this.check = check;
        this.rebuiltCheck = rebuiltCheck;
    }

    /**
     * Builds the engine, makes the seeded inputs of every shape and runs each once on this thread,
     * keeping the outputs as the reference.
     *
     * @param model the ONNX file
     * @param config the backend configuration
     * @param precision the precision to build for
     * @param shapes the input shapes, one set per batch size; the engine's shape ranges span them
     * @param seeds how many input sets (seeds) per shape
     * @param seed the first seed
     * @param maxTokenId the bound of generated token ids
     * @param check how outputs of this engine are compared with the reference
     * @param rebuiltCheck how outputs of another engine built the same way are compared with it
     * @param builder the builder to use, from {@link BackendConfig#builder}; {@link #buildAnother()} reuses it
     * @return the opened series, which owns its engine and inputs
     * @throws RuntimeException whatever building or the reference runs throw; nothing stays open then
     */
    public static SoakSeries open(Path model, BackendConfig config, Precision precision, List<Map<String, long[]>> shapes,
                                  int seeds, long seed, int maxTokenId, OutputCheck check, OutputCheck rebuiltCheck,
                                  EngineBuilder builder) {
        String modelName = String.valueOf(model.getFileName()).replaceFirst("\\.onnx$", "");
        InferenceEngine engine = builder.build();
        List<Input> inputs = new ArrayList<>();
        try {
            List<Map<String, ExpectedOutput>> expected = new ArrayList<>();
            for (int s = 0; s < shapes.size(); s++) {
                for (int k = 0; k < seeds; k++) {
                    Map<String, Tensor> tensors = InputGenerator.generate(engine.inputs(), shapes.get(s), seed + k, maxTokenId);
                    Input input = new Input(s, label(shapes.get(s), seed + k), Collections.unmodifiableMap(tensors));
                    inputs.add(input);
                    expected.add(reference(engine, tensors));
                }
            }
            return new SoakSeries(modelName, config, precision, builder, engine, List.copyOf(inputs), List.copyOf(expected),
                    check, rebuiltCheck);
        } catch (RuntimeException e) {
            inputs.forEach(i -> i.tensors().values().forEach(Tensor::close));
            engine.close();
            throw e;
        }
    }

    private static Map<String, ExpectedOutput> reference(InferenceEngine engine, Map<String, Tensor> inputs) {
        Map<String, ExpectedOutput> outputs = new LinkedHashMap<>();
        try (Outputs out = engine.run(inputs)) {
            out.forEach(e -> outputs.put(e.getKey(), ExpectedOutput.of(e.getValue())));
        }
        return Collections.unmodifiableMap(outputs);
    }

    private static String label(Map<String, long[]> shapes, long seed) {
        List<String> parts = new ArrayList<>();
        shapes.forEach((name, dims) -> parts.add(name + "=" + InputShapes.format(dims)));
        return String.join(";", parts) + " seed " + seed;
    }

    /** E.g. {@code mlp_tiny tensorrt+graphs FP16}. */
    public String name() {
        return name;
    }

    public String model() {
        return model;
    }

    public BackendConfig config() {
        return config;
    }

    public Precision precision() {
        return precision;
    }

    /** The engine every worker shares. */
    public InferenceEngine engine() {
        return engine;
    }

    public List<Input> inputs() {
        return inputs;
    }

    /** How outputs of {@link #engine()} are compared with the reference. */
    public OutputCheck check() {
        return check;
    }

    /** How outputs of an engine from {@link #buildAnother()} are compared with the reference. */
    public OutputCheck rebuiltCheck() {
        return rebuiltCheck;
    }

    /** A new engine built as {@link #engine()} was (from the engine cache, where the backend keeps one); the caller closes it. */
    public InferenceEngine buildAnother() {
        return builder.build();
    }

    /**
     * Compares {@code outputs} with the reference of input {@code inputIndex}, output by output.
     *
     * @param inputIndex which input the outputs are for
     * @param outputs the outputs by name; each reference output must be among them
     * @param how exact or within a tolerance
     * @return for each output that does not match, {@code name: why}; empty when all match
     */
    public List<String> mismatches(int inputIndex, Map<String, Tensor> outputs, OutputCheck how) {
        List<String> found = new ArrayList<>(0);
        for (Map.Entry<String, ExpectedOutput> e : expected.get(inputIndex).entrySet()) {
            Tensor actual = outputs.get(e.getKey());
            String why = actual == null ? "missing" : e.getValue().mismatch(actual, how);
            if (why != null) {
                found.add(e.getKey() + ": " + why);
            }
        }
        return found;
    }

    /** The reference outputs' digests ({@link ExpectedOutput#digest()}), by input label and output name. */
    public Map<String, String> digests() {
        Map<String, String> digests = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            String label = inputs.get(i).label();
            expected.get(i).forEach((output, reference) -> digests.put(label + " " + output, reference.digest()));
        }
        return digests;
    }

    /** Runs so far through {@code engine.run} and through bindings, on every engine of the series. */
    public long runs() {
        return engineRuns.sum() + bindingRuns.sum();
    }

    /** The counters as a JSON-ready map: runs through each path, churn cycles, errors, mismatches. */
    public Map<String, Object> counts() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine_run_runs", engineRuns.sum());
        m.put("binding_runs", bindingRuns.sum());
        m.put("churn_cycles", churnCycles.sum());
        m.put("errors", errors.sum());
        m.put("mismatches", mismatches.sum());
        return m;
    }

    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            inputs.forEach(i -> i.tensors().values().forEach(Tensor::close));
        }
    }
}
