package org.infer4j.ort;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.ModelLoadException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ort-tensorrt refuses a model with a data-dependent output shape in words a user can act on. */
class OrtTensorRtRefusalGpuTest {
    /**
     * The conformance zoo's NonZero model, which ort-tensorrt takes whole and cannot shape (the
     * smaller nonzero.onnx beside this test is split between TensorRT and CUDA, and loads).
     */
    private static final String ZOO_NONZERO = "/org/infer4j/testmodels/zoo/tiny/nonzero.onnx";

    @TempDir
    Path cacheDir;

    @Test
    void aDataDependentOutputShapeIsRefusedWithTheTensorAndTheWayOut() throws IOException {
        Availability a = Backends.discover().find("ort-tensorrt").orElseThrow().availability();
        assumeTrue(a.isAvailable(), () -> "ort-tensorrt cannot run here: " + a);
        byte[] model;
        try (InputStream in = OrtTensorRtRefusalGpuTest.class.getResourceAsStream(ZOO_NONZERO)) {
            model = in.readAllBytes();
        }
        assertThatThrownBy(() -> InferenceEngine.builder().backend("ort-tensorrt").model(model)
                        .settings(OrtSettings.builder().tensorRtCacheDirectory(cacheDir).build()).build())
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("shape inference gives none for").hasMessageNotContaining("onnxruntime_src")
                .hasMessageContaining("ort-cuda");
    }
}
