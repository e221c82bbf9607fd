package org.infer4j.ort.internal;

import ai.onnxruntime.OnnxTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.infer4j.Binding;
import org.infer4j.Shape;
import org.infer4j.Tensor;

/**
 * A binding that keeps ONNX Runtime views of its input and output tensors, so a steady-state
 * {@link #run()} creates no tensors: ONNX Runtime reads the inputs and writes the outputs in place.
 * Outputs the caller did not give are allocated from the first run's shapes and owned here.
 *
 * <p>A {@linkplain OrtEngine#isDataDependent data-dependent output} (NonZero's, say, whose shape
 * follows the input values) cannot be written in place: ONNX Runtime allocates it on every run and
 * it is copied out. If the binding owns it, {@link #output(String)} returns the latest run's
 * values: the same tensor while the shape stays the same, and a new one when a run produces
 * another shape, the old one being closed then. A tensor the caller gave for such an output must
 * have the shape each run produces, else {@link #run()} throws
 * {@link org.infer4j.InvalidInputException} naming the output and both shapes.
 */
final class OrtBinding implements Binding {
    private final OrtEngine engine;
    private final Map<String, Tensor> inputs;
    private final Map<String, OnnxTensor> inputViews;
    /** The caller's outputs and the ones owned here, once a run made them. */
    private final Map<String, Tensor> outputs;
    /** The outputs ONNX Runtime writes in place. */
    private final Map<String, OnnxTensor> outputViews = new LinkedHashMap<>();
    private final Map<String, Tensor> owned = new LinkedHashMap<>();
    private boolean closed;

    OrtBinding(OrtEngine engine, Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        this.engine = engine;
        this.inputs = new LinkedHashMap<>(inputs);
        this.outputs = new LinkedHashMap<>(outputs);
        Map<String, Tensor> pinnable = new LinkedHashMap<>(outputs);
        pinnable.keySet().removeIf(engine::isDataDependent);
        this.inputViews = engine.views(inputs);
        try {
            outputViews.putAll(engine.views(pinnable));
        } catch (RuntimeException e) {
            inputViews.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    /**
     * Runs with the pinned outputs written in place; every other output ONNX Runtime allocates: on
     * the first run the outputs the binding owns, which it then pins, and on every run the
     * data-dependent ones.
     *
     * @throws org.infer4j.InvalidInputException if a caller's tensor for a data-dependent output
     *         does not have the shape this run produced
     */
    @Override
    public void run() {
        if (closed) {
            throw new IllegalStateException("this binding is closed");
        }
        requireOpen("input", inputs);
        requireOpen("output", outputs);
        engine.guarded(() -> engine.runPinned(inputViews, outputViews, this::take));
    }

    /** Takes an output ONNX Runtime allocated: into the tensor for it, or into a new one owned here. */
    private void take(String name, OnnxTensor value) {
        Tensor current = outputs.get(name);
        boolean mine = owned.containsKey(name);
        if (current != null && (!mine || current.shape().equals(Shape.of(value.getInfo().getShape())))) {
            OrtEngine.copyProduced(name, value, current);
            return;
        }
        Tensor fresh = OrtTypes.copyOf(value);
        if (!engine.isDataDependent(name)) {
            try {
                outputViews.put(name, engine.views(Map.of(name, fresh)).get(name));
            } catch (RuntimeException e) {
                fresh.close();
                throw e;
            }
        }
        owned.put(name, fresh);
        outputs.put(name, fresh);
        if (current != null) {
            current.close();
        }
    }

    @Override
    public Tensor input(String name) {
        ensureOpen();
        Tensor t = inputs.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no input named '" + name + "'; inputs are " + inputs.keySet());
        }
        return t;
    }

    /**
     * The output called {@code name}. For a data-dependent output the binding owns, the latest
     * run's tensor: a run that produces another shape closes the tensor returned before.
     */
    @Override
    public Tensor output(String name) {
        ensureOpen();
        Tensor t = outputs.get(name);
        if (t == null) {
            throw new IllegalStateException(engine.outputs().stream().anyMatch(o -> o.name().equals(name))
                    ? "output '" + name + "' is allocated by the first run(); call run() first"
                    : "no output named '" + name + "'; outputs are " + engine.outputs());
        }
        return t;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            inputViews.values().forEach(OnnxTensor::close);
            outputViews.values().forEach(OnnxTensor::close);
            owned.values().forEach(Tensor::close);
        }
    }

    /**
     * The views hand ONNX Runtime the tensors' memory, which a closed tensor has freed: running on
     * it would read or write freed native memory.
     */
    private static void requireOpen(String role, Map<String, Tensor> bound) {
        for (Map.Entry<String, Tensor> e : bound.entrySet()) {
            if (e.getValue().isClosed()) {
                throw new IllegalStateException("bound " + role + " '" + e.getKey() + "' (" + e.getValue().describe()
                        + ") was closed, and its memory with it; close the binding and bind open tensors");
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this binding is closed");
        }
    }
}
