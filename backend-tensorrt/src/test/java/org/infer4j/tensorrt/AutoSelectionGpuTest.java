package org.infer4j.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.infer4j.AutoSelection;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Selection;
import org.infer4j.Selection.Candidate;
import org.infer4j.Selection.Outcome;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The choice by measurement over the real backends (tensorrt, ort-tensorrt, ort-cuda, ort-cpu) on
 * the shipped tiny models. Needs a GPU where tensorrt can run; skips otherwise.
 */
class AutoSelectionGpuTest {

    @TempDir
    Path cacheDir;

    @BeforeEach
    void requireGpu() {
        Availability a = Backends.discover().find("tensorrt").orElseThrow().availability();
        assumeTrue(a.isAvailable(), () -> "tensorrt cannot run here: " + a);
    }

    private EngineBuilder builder(String model) {
        return InferenceEngine.builder().model(ReferenceModel.named(model).onnxBytes())
                .settings(TensorRtSettings.builder().cacheDirectory(cacheDir.resolve("engines")).build())
                .autoSelection(AutoSelection.builder().budget(Duration.ofMinutes(5)).cacheDirectory(cacheDir.resolve("auto"))
                        // named: the GPU machine runs every module's tests on one class path, where the test
                        // backends of other modules are discovered too
                        .candidates("tensorrt", "ort-tensorrt", "ort-cuda", "ort-cpu").build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp_tiny", "gru_tiny"})
    void measuresEveryGpuBackendKeepsTheFastestAndRecallsItWithoutMeasuring(String model) {
        Selection measured = builder(model).select();

        assertThat(measured.fromCache()).isFalse();
        assertThat(measured.budgetExhausted()).isFalse();
        assertThat(measured.candidates()).extracting(Candidate::backend)
                .containsExactly("tensorrt", "ort-tensorrt", "ort-cuda", "ort-cpu");
        for (String gpuBackend : new String[] {"tensorrt", "ort-cuda"}) {
            Candidate row = measured.candidates().stream().filter(c -> c.backend().equals(gpuBackend)).findFirst().orElseThrow();
            assertThat(row.outcome()).as("%s measured: %s", gpuBackend, row.note()).isEqualTo(Outcome.MEASURED);
            assertThat(row.difference()).isLessThanOrEqualTo(AutoSelection.FP32_TOLERANCE);
        }
        double fastest = measured.candidates().stream().filter(c -> c.outcome() == Outcome.MEASURED)
                .mapToDouble(Candidate::p50Micros).min().orElseThrow();
        assertThat(measured.chosen().p50Micros()).isEqualTo(fastest);

        Map<String, Tensor> inputs = ReferenceModel.named(model).inputs();
        try (InferenceEngine engine = builder(model).build(); Outputs out = engine.run(inputs)) {
            assertThat(engine.backend()).isEqualTo(measured.backend());
            assertThat(out.names()).isNotEmpty();
        } finally {
            inputs.values().forEach(Tensor::close);
        }
        assertThat(builder(model).select().fromCache()).isTrue();
        System.out.printf("%s: chose %s%n%s", model, measured.backend(), measured.table());
    }
}
