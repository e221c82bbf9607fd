package org.infer4j.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.infer4j.BackendStatus;
import org.infer4j.Backends;
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
             Outputs out = engine.run(Map.of("input", input))) {
            assertThat(engine.backend()).isEqualTo("ort-cpu");
            assertThat(out.get("output").shape().toArray()).containsExactly(1, 4);
        }
    }

    /** The CPU jar has no GPU providers: discovery still loads them, and they say why they cannot run. */
    @Test
    void theGpuProvidersOfOnnxRuntimeReportThemselvesUnavailableWithTheReason() {
        Map<String, BackendStatus> statuses = new java.util.HashMap<>();
        for (BackendStatus status : Backends.discover().statuses()) {
            statuses.put(status.name(), status);
        }

        assertThat(statuses).containsKeys("ort-cpu", "ort-cuda", "ort-tensorrt").doesNotContainKey("tensorrt");
        assertThat(statuses.get("ort-cpu").isAvailable()).isTrue();
        assertThat(statuses.get("ort-cuda").loaded()).isTrue();
        assertThat(statuses.get("ort-cuda").isAvailable()).isFalse();
        assertThat(statuses.get("ort-cuda").availability().detail()).contains("no CUDA execution provider");
        assertThat(statuses.get("ort-cuda").availability().remedy()).contains("onnxruntime_gpu");
        assertThat(statuses.get("ort-tensorrt").loaded()).isTrue();
        assertThat(statuses.get("ort-tensorrt").isAvailable()).isFalse();
        assertThat(statuses.get("ort-tensorrt").availability().detail()).contains("no TensorRT execution provider");
    }
}
