package org.infer4j.tensorrt;

import java.nio.file.Path;
import org.infer4j.EngineBuilder;
import org.infer4j.Precision;
import org.infer4j.contract.BackendContractTest;
import org.junit.jupiter.api.io.TempDir;

/** tensorrt keeps the backend contract with FP16 engines; skipped without a GPU. */
class TensorRtFp16ContractTest extends BackendContractTest {
    @TempDir
    static Path engineCache;

    @Override
    protected String backendName() {
        return "tensorrt";
    }

    @Override
    protected EngineBuilder configure(EngineBuilder builder) {
        return builder.precision(Precision.FP16).settings(TensorRtSettings.builder().cacheDirectory(engineCache).build());
    }

    /**
     * FP16 keeps 11 significant bits (relative rounding 4.9e-4 per value); through the three to
     * six layers of the reference models, with outputs of magnitude ~1, the error stays within 2e-2
     * (the same bound ort-tensorrt meets in FP16).
     */
    @Override
    protected double tolerance() {
        return 2e-2;
    }
}
