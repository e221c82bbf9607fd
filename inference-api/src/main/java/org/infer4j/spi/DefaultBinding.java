package org.infer4j.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * A binding for any engine: the first run learns the output shapes by letting the engine allocate,
 * keeps those tensors, and every later run writes into them through
 * {@link InferenceEngine#run(Map, Map)}. {@link #runAsync()} runs it on the engine's worker threads.
 */
final class DefaultBinding extends AbstractBinding {
    private final AbstractInferenceEngine engine;
    private final List<Tensor> owned = new ArrayList<>();
    private boolean complete;

    DefaultBinding(AbstractInferenceEngine engine, Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        super(engine, inputs, outputs);
        this.engine = engine;
        this.complete = outputs.size() == engine.outputs().size();
    }

    @Override
    protected void execute() {
        if (complete) {
            engine.run(inputs(), outputs());
            return;
        }
        try (Outputs first = engine.run(inputs())) {
            for (TensorInfo info : engine.outputs()) {
                Tensor produced = first.get(info.name());
                Tensor mine = outputs().get(info.name());
                if (mine != null) {
                    mine.copyFrom(produced);
                } else {
                    Tensor keep = engine.allocate(info.name(), produced.shape().toArray());
                    keep.copyFrom(produced);
                    owned.add(keep);
                    outputs().put(info.name(), keep);
                }
            }
        }
        complete = true;
    }

    @Override
    protected AsyncRequest<Void> submit() {
        return engine.runLater(this::execute);
    }

    @Override
    protected void release() {
        owned.forEach(Tensor::close);
    }
}
