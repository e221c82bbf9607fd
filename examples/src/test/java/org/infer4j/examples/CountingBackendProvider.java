package org.infer4j.examples;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.infer4j.Availability;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.spi.AbstractInferenceEngine;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;

/**
 * {@code test-counting}: ort-cpu that counts its runs in {@link #RUNS}, so that a {@link FakeGpu} can
 * look busy exactly while a model runs. Not registered in META-INF/services; tests pass it explicitly.
 */
final class CountingBackendProvider implements BackendProvider {
    static final String NAME = "test-counting";
    static final AtomicLong RUNS = new AtomicLong();

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
        return "ort-cpu counting its runs, for tests";
    }

    @Override
    public Availability availability() {
        return Availability.available("the test's CPU");
    }

    @Override
    public InferenceEngine create(EngineConfig config) {
        InferenceEngine delegate = InferenceEngine.builder().model(config.modelPath().orElseThrow()).backend("ort-cpu").build();
        return new CountingEngine(delegate, config.modelName());
    }

    private static final class CountingEngine extends AbstractInferenceEngine {
        private final InferenceEngine delegate;

        CountingEngine(InferenceEngine delegate, String modelName) {
            super(NAME, modelName, delegate.inputs(), delegate.outputs());
            this.delegate = delegate;
        }

        @Override
        protected Outputs execute(Map<String, ? extends Tensor> inputs) {
            RUNS.incrementAndGet();
            return delegate.run(inputs);
        }

        @Override
        protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
            RUNS.incrementAndGet();
            try (Outputs out = delegate.run(inputs)) {
                outputs.forEach((name, target) -> target.copyFrom(out.get(name)));
            }
        }

        @Override
        protected void release() {
            delegate.close();
        }
    }
}
