package org.infer4j.spi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * A binding for any engine: the first run learns the output shapes by letting the engine allocate,
 * keeps those tensors, and every later run writes into them through
 * {@link InferenceEngine#run(Map, Map)}.
 */
final class DefaultBinding implements Binding {
    private final InferenceEngine engine;
    private final Map<String, Tensor> inputs;
    private final Map<String, Tensor> outputs;
    private final List<Tensor> owned = new ArrayList<>();
    private boolean complete;
    private boolean closed;

    DefaultBinding(InferenceEngine engine, Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        this.engine = engine;
        this.inputs = Map.copyOf(inputs);
        this.outputs = new LinkedHashMap<>(outputs);
        this.complete = outputs.size() == engine.outputs().size();
    }

    @Override
    public void run() {
        ensureOpen();
        if (complete) {
            engine.run(inputs, outputs);
            return;
        }
        try (Outputs first = engine.run(inputs)) {
            for (TensorInfo info : engine.outputs()) {
                Tensor produced = first.get(info.name());
                Tensor mine = outputs.get(info.name());
                if (mine != null) {
                    mine.copyFrom(produced);
                } else {
                    Tensor keep = engine.allocate(info.name(), produced.shape().toArray());
                    keep.copyFrom(produced);
                    owned.add(keep);
                    outputs.put(info.name(), keep);
                }
            }
        }
        complete = true;
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
            throw new IllegalStateException(complete || engine.outputs().stream().noneMatch(o -> o.name().equals(name))
                    ? "no output named '" + name + "'; outputs are " + engine.outputs()
                    : "output '" + name + "' is allocated by the first run(); call run() first");
        }
        return t;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owned.forEach(Tensor::close);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this binding is closed");
        }
    }
}
