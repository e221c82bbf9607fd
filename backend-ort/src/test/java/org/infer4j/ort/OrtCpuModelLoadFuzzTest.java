package org.infer4j.ort;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.infer4j.InferenceEngine;
import org.infer4j.ModelLoadException;
import org.junit.jupiter.api.BeforeAll;

/**
 * Building an ort-cpu engine from any bytes gives an engine or a {@link ModelLoadException}: never
 * another exception, a hang or a crash of the JVM (ONNX Runtime parses the bytes in native code).
 * A plain build replays {@code OrtCpuModelLoadFuzzTestInputs} (the shipped models, damaged copies
 * of them, and every input a fuzzing run found); {@code -Pfuzz} fuzzes (docs/fuzzing.md).
 */
class OrtCpuModelLoadFuzzTest {

    /**
     * ONNX Runtime warns about most damaged models it still loads, and fuzzing feeds it thousands
     * a second (the console output of the first fuzzing run stopped two minutes into that): a
     * fuzzing JVM (JAZZER_FUZZ, set by -Pfuzz) starts here and creates ONNX Runtime's one
     * environment with errors only. A plain build leaves the one other tests created as it is.
     */
    @BeforeAll
    static void onnxRuntimeLogsErrorsOnlyWhileFuzzing() {
        if (System.getenv("JAZZER_FUZZ") != null) {
            OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void anyBytesBuildAnEngineOrThrowModelLoadException(byte[] model) {
        try (InferenceEngine engine = InferenceEngine.builder().model(model).backend("ort-cpu").build()) {
            assertThat(engine.backend()).isEqualTo("ort-cpu");
        } catch (ModelLoadException expected) {
            // what build() promises for bytes that are no model ONNX Runtime can load
        }
    }
}
