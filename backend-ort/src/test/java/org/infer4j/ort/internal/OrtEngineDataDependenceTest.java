package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import org.infer4j.InferenceEngine;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.Test;

/**
 * Which outputs ONNX Runtime allocates on every run instead of writing in place: those with a
 * dimension that is neither a number nor named like an input's dimension.
 */
class OrtEngineDataDependenceTest {

    private static OrtEngine engine(byte[] model) {
        return (OrtEngine) InferenceEngine.builder().backend("ort-cpu").model(model).build();
    }

    @Test
    void anUnnamedUnknownDimensionMakesAnOutputDataDependentAndAnInputsNamedOneDoesNot() throws IOException {
        byte[] model;
        try (InputStream in = OrtEngineDataDependenceTest.class.getResourceAsStream("/org/infer4j/ort/nonzero.onnx")) {
            model = in.readAllBytes();
        }
        try (OrtEngine e = engine(model)) {
            assertThat(e.isDataDependent("positions")).as("INT64[1, ?]").isTrue();
            assertThat(e.isDataDependent("positive")).as("BOOL[n], n as in x: FLOAT32[n]").isFalse();
        }
    }

    @Test
    void outputsSizedByFixedOrInputNamedDimensionsAreWrittenInPlace() {
        try (OrtEngine e = engine(ReferenceModel.named("mlp_tiny").onnxBytes())) {
            assertThat(e.outputs()).singleElement().hasToString("output: FLOAT32[batch, 4]");
            assertThat(e.isDataDependent("output")).isFalse();
        }
    }

    /**
     * The exporter named this output's sequence dimension itself rather than after the input's:
     * nothing tells it apart from a data-dependent one, so it is allocated on every run (correct,
     * at the cost of a copy). Naming output dimensions after the inputs' keeps the in-place path.
     */
    @Test
    void anOutputDimensionNamedByTheExporterAloneCountsAsDataDependent() {
        try (OrtEngine e = engine(ReferenceModel.named("encoder_tiny").onnxBytes())) {
            assertThat(e.outputs()).singleElement().hasToString("output: FLOAT32[batch, LayerNormalizationoutput_dim_1, 16]");
            assertThat(e.isDataDependent("output")).isTrue();
        }
    }
}
