package org.infer4j.ort.internal;

import ai.onnxruntime.OnnxTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.Binding;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * A binding that keeps ONNX Runtime views of its input and output tensors, so a steady-state
 * {@link #run()} creates no tensors: ONNX Runtime reads the inputs and writes the outputs in place.
 * Outputs the caller did not give are allocated from the first run's shapes and owned here.
 *
 * <p>A steady-state {@link #run()} allocates nothing of its own (no iterator, no lambda per call);
 * what it allocates is ONNX Runtime's Java binding's, per {@code OrtSession.run}: its argument
 * arrays and a {@code Result} (OrtBindingAllocationTest measures both).
 */
final class OrtBinding implements Binding {
    private final OrtEngine engine;
    private final Map<String, Tensor> inputs;
    private final Tensor[] inputTensors;
    private final Map<String, OnnxTensor> inputViews;
    private final Runnable runBound = this::runBound;
    private final Runnable runFirst = this::runFirst;
    private final Map<String, Tensor> outputs;
    private final Map<String, OnnxTensor> outputViews = new LinkedHashMap<>();
    private final List<Tensor> owned = new ArrayList<>();
    private boolean closed;

    OrtBinding(OrtEngine engine, Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        this.engine = engine;
        this.inputs = new LinkedHashMap<>(inputs);
        this.inputTensors = this.inputs.values().toArray(Tensor[]::new);
        this.outputs = new LinkedHashMap<>(outputs);
        this.inputViews = engine.views(inputs);
        try {
            outputViews.putAll(engine.views(outputs));
        } catch (RuntimeException e) {
            inputViews.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    @Override
    public void run() {
        if (closed) {
            throw new IllegalStateException("this binding is closed");
        }
        for (Tensor t : inputTensors) {
            if (t.isClosed()) {
                throw new IllegalStateException("a bound input was closed: " + t);
            }
        }
        engine.guarded(outputViews.size() == engine.outputs().size() ? runBound : runFirst);
    }

    private void runBound() {
        engine.runPinned(inputViews, outputViews);
    }

    /** Learns the output shapes by letting ONNX Runtime allocate, and keeps what it produced. */
    private void runFirst() {
        Map<String, Tensor> produced = engine.runAllocating(inputs);
        try {
            for (TensorInfo info : engine.outputs()) {
                Tensor fresh = produced.remove(info.name());
                Tensor mine = outputs.get(info.name());
                if (mine != null) {
                    try {
                        mine.copyFrom(fresh);
                    } finally {
                        fresh.close();
                    }
                } else {
                    owned.add(fresh);
                    outputs.put(info.name(), fresh);
                    outputViews.put(info.name(), engine.views(Map.of(info.name(), fresh)).get(info.name()));
                }
            }
        } finally {
            produced.values().forEach(Tensor::close);
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
            owned.forEach(Tensor::close);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this binding is closed");
        }
    }
}
