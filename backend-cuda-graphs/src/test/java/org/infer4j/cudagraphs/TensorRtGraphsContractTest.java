package org.infer4j.cudagraphs;

import java.nio.file.Path;
import org.infer4j.EngineBuilder;
import org.infer4j.contract.BackendContractTest;
import org.infer4j.tensorrt.TensorRtSettings;
import org.junit.jupiter.api.io.TempDir;

/**
 * tensorrt with CUDA graphs keeps the whole backend contract (reference outputs, bad inputs,
 * lifecycle, many threads) in FP32 with TF32 off; skipped without a GPU.
 */
class TensorRtGraphsContractTest extends BackendContractTest {
    @TempDir
    static Path engineCache;

    @Override
    protected String backendName() {
        return "tensorrt";
    }

    @Override
    protected EngineBuilder configure(EngineBuilder builder) {
        return builder.cudaGraphs(true).settings(TensorRtSettings.builder().tf32(false).cacheDirectory(engineCache).build());
    }
}
