package org.infer4j.ort;

import org.infer4j.EngineBuilder;
import org.infer4j.contract.BackendContractTest;
import org.junit.jupiter.api.io.TempDir;

/** ort-tensorrt keeps the backend contract in FP32; skipped where TensorRT is unavailable. */
class OrtTensorRtContractTest extends BackendContractTest {
    @TempDir
    static java.nio.file.Path engineCache;

    @Override
    protected String backendName() {
        return "ort-tensorrt";
    }

    @Override
    protected EngineBuilder configure(EngineBuilder builder) {
        return builder.settings(OrtSettings.builder().tensorRtCacheDirectory(engineCache).build());
    }

    /**
     * TensorRT's FP32 mode runs matrix products and convolutions in TF32 (10-bit mantissa, relative
     * error ~5e-4 per product) unless told otherwise; on the reference models' outputs of magnitude
     * ~1 that stays below 2e-3.
     */
    @Override
    protected double tolerance() {
        return 2e-3;
    }
}
