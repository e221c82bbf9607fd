package org.infer4j.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.infer4j.Availability;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.spi.AbstractInferenceEngine;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;

/**
 * A test backend that runs the model on ort-cpu and changes one thing about it: what happens
 * before or after each run ({@link #beforeRun}, {@link #afterRun}) or what reaches the caller's
 * outputs ({@link #writeOutput}).
 */
abstract class OrtCpuWrapperProvider implements BackendProvider {
    private final String name;
    private final String description;

    OrtCpuWrapperProvider(String name, String description) {
        this.name = name;
        this.description = description;
    }

    /** Called on the caller's thread before each run. */
    void beforeRun() {
    }

    /** Called on the caller's thread after each run, also one that failed. */
    void afterRun() {
    }

    /** Writes ort-cpu's output {@code source} into {@code target}; the default copies it unchanged. */
    void writeOutput(Tensor source, Tensor target) {
        target.copyFrom(source);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int priority() {
        return 1;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Availability availability() {
        return Availability.available("the test's CPU");
    }

    @Override
    public final InferenceEngine create(EngineConfig config) {
        InferenceEngine delegate = InferenceEngine.builder().model(config.modelPath().orElseThrow()).backend("ort-cpu").build();
        return new WrappedEngine(delegate, config.modelName());
    }

    private final class WrappedEngine extends AbstractInferenceEngine {
        private final InferenceEngine delegate;

        WrappedEngine(InferenceEngine delegate, String modelName) {
            super(name, modelName, delegate.inputs(), delegate.outputs());
            this.delegate = delegate;
        }

        @Override
        protected Outputs execute(Map<String, ? extends Tensor> inputs) {
            beforeRun();
            Map<String, Tensor> written = new LinkedHashMap<>();
            try (Outputs out = delegate.run(inputs)) {
                for (Map.Entry<String, Tensor> e : out) {
                    Tensor copy = Tensor.allocate(e.getValue().elementType(), e.getValue().shape().toArray());
                    written.put(e.getKey(), copy);
                    writeOutput(e.getValue(), copy);
                }
            } finally {
                afterRun();
            }
            return Outputs.of(written);
        }

        @Override
        protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
            beforeRun();
            try (Outputs out = delegate.run(inputs)) {
                outputs.forEach((outputName, target) -> writeOutput(out.get(outputName), target));
            } finally {
                afterRun();
            }
        }

        @Override
        protected void release() {
            delegate.close();
        }
    }
}
