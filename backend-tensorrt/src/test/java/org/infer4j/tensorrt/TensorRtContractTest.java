package org.infer4j.tensorrt;

import java.nio.file.Path;
import org.infer4j.EngineBuilder;
import org.infer4j.contract.BackendContractTest;
import org.junit.jupiter.api.io.TempDir;

/** tensorrt keeps the backend contract in FP32 (TF32 off, so the contract's 1e-4 holds); skipped without a GPU. */
class TensorRtContractTest extends BackendContractTest {
    @TempDir
    static Path engineCache;

    @Override
    protected String backendName() {
        return "tensorrt";
    }

    @Override
    protected EngineBuilder configure(EngineBuilder builder) {
        return builder.settings(TensorRtSettings.builder().tf32(false).cacheDirectory(engineCache).build());
    }
}
