package org.infer4j.examples;

import java.util.LinkedHashMap;
import java.util.Map;
import org.infer4j.Availability;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.spi.AbstractInferenceEngine;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;

/**
 * {@code test-offset}: ort-cpu with {@value #OFFSET} added to every FLOAT32 output, a backend that
 * runs but gives wrong answers. Registered in META-INF/services for the discovery test.
 */
public final class OffsetBackendProvider implements BackendProvider {
    static final String NAME = "test-offset";
    static final float OFFSET = 0.5f;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 1;
    }

    @Override
    public String description() {
        return "ort-cpu off by " + OFFSET + ", for tests";
    }

    @Override
    public Availability availability() {
        return Availability.available("the test's CPU");
    }

    @Override
    public InferenceEngine create(EngineConfig config) {
        InferenceEngine delegate = InferenceEngine.builder().model(config.modelPath().orElseThrow()).backend("ort-cpu").build();
        return new OffsetEngine(delegate, config.modelName());
    }

    private static final class OffsetEngine extends AbstractInferenceEngine {
        private final InferenceEngine delegate;

        OffsetEngine(InferenceEngine delegate, String modelName) {
            super(NAME, modelName, delegate.inputs(), delegate.outputs());
            this.delegate = delegate;
        }

        @Override
        protected Outputs execute(Map<String, ? extends Tensor> inputs) {
            Map<String, Tensor> shifted = new LinkedHashMap<>();
            try (Outputs out = delegate.run(inputs)) {
                for (Map.Entry<String, Tensor> e : out) {
                    Tensor copy = Tensor.allocate(e.getValue().elementType(), e.getValue().shape().toArray());
                    shifted.put(e.getKey(), copy);
                    writeShifted(e.getValue(), copy);
                }
            }
            return Outputs.of(shifted);
        }

        @Override
        protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
            try (Outputs out = delegate.run(inputs)) {
                outputs.forEach((name, target) -> writeShifted(out.get(name), target));
            }
        }

        private static void writeShifted(Tensor source, Tensor target) {
            if (source.elementType() != ElementType.FLOAT32) {
                target.copyFrom(source);
                return;
            }
            float[] values = source.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                values[i] += OFFSET;
            }
            target.buffer().asFloatBuffer().put(values);
        }

        @Override
        protected void release() {
            delegate.close();
        }
    }
}
