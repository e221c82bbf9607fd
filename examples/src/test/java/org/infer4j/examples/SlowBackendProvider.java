package org.infer4j.examples;

import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.infer4j.Availability;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.spi.AbstractInferenceEngine;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;

/**
 * {@code test-slow}: ort-cpu that takes at least {@value #SERVICE_MILLIS} ms per run (sleeping, not computing), an
 * engine of known capacity: one caller thread serves at most {@code 1000 / SERVICE_MILLIS} runs per second.
 */
public final class SlowBackendProvider implements BackendProvider {
    static final String NAME = "test-slow";
    static final long SERVICE_MILLIS = 5;

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
        return "ort-cpu taking " + SERVICE_MILLIS + " ms per run, for tests";
    }

    @Override
    public Availability availability() {
        return Availability.available("the test's CPU, slowly");
    }

    @Override
    public InferenceEngine create(EngineConfig config) {
        InferenceEngine delegate = InferenceEngine.builder().model(config.modelPath().orElseThrow()).backend("ort-cpu").build();
        return new SlowEngine(delegate, config.modelName());
    }

    private static final class SlowEngine extends AbstractInferenceEngine {
        private final InferenceEngine delegate;

        SlowEngine(InferenceEngine delegate, String modelName) {
            super(NAME, modelName, delegate.inputs(), delegate.outputs());
            this.delegate = delegate;
        }

        @Override
        protected Outputs execute(Map<String, ? extends Tensor> inputs) {
            pause();
            return delegate.run(inputs);
        }

        @Override
        protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
            pause();
            try (Outputs out = delegate.run(inputs)) {
                outputs.forEach((name, target) -> target.copyFrom(out.get(name)));
            }
        }

        private static void pause() {
            long end = System.nanoTime() + SERVICE_MILLIS * 1_000_000;
            long left;
            while ((left = end - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
        }

        @Override
        protected void release() {
            delegate.close();
        }
    }
}
