package org.infer4j.ort;

import org.infer4j.EngineBuilder;
import org.infer4j.Precision;
import org.infer4j.contract.BackendContractTest;
import org.junit.jupiter.api.io.TempDir;

/** ort-tensorrt keeps the backend contract in FP16; skipped where TensorRT is unavailable. */
class OrtTensorRtFp16ContractTest extends BackendContractTest {
    @TempDir
    static java.nio.file.Path engineCache;

    @Override
    protected String backendName() {
        return "ort-tensorrt";
    }

    @Override
    protected EngineBuilder configure(EngineBuilder builder) {
        return builder.precision(Precision.FP16)
                .settings(OrtSettings.builder().tensorRtCacheDirectory(engineCache).build());
    }

    /**
     * FP16 keeps 11 significant bits (relative rounding 4.9e-4 per value); through the three to
     * six layers of the reference models, with outputs of magnitude ~1, the error stays within 2e-2.
     */
    @Override
    protected double tolerance() {
        return 2e-2;
    }
}
