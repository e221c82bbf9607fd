package org.infer4j.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.junit.jupiter.api.Test;

/** The README's CPU-only dependency set: what it puts on the class path, and that the automatic choice runs a model. */
class CpuOnlySetupTest {

    @Test
    void theClassPathHoldsOnnxRuntimesCpuBuildAndNotItsGpuBuild() {
        String classPath = System.getProperty("java.class.path");

        assertThat(classPath).contains("onnxruntime-1.29.0.jar").doesNotContain("onnxruntime_gpu");
    }

    @Test
    void theAutomaticChoiceRunsAModelOnOrtCpu() {
        try (InferenceEngine engine = InferenceEngine.builder().model(Path.of("..", "models", "mlp_tiny.onnx")).build();
             Tensor input = Tensor.of(new float[16], 1, 16);
             Outputs out = engine.run(java.util.Map.of("input", input))) {
            assertThat(engine.backend()).isEqualTo("ort-cpu");
            assertThat(out.get("output").shape().toArray()).containsExactly(1, 4);
        }
    }
}
