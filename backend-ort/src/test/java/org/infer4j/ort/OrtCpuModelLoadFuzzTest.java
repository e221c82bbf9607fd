package org.infer4j.ort;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.infer4j.InferenceEngine;
import org.infer4j.ModelLoadException;

/**
 * Building an ort-cpu engine from any bytes gives an engine or a {@link ModelLoadException}: never
 * another exception, a hang or a crash of the JVM (ONNX Runtime parses the bytes in native code).
 * A plain build replays {@code OrtCpuModelLoadFuzzTestInputs} (the shipped models, damaged copies
 * of them, and every input a fuzzing run found); {@code -Pfuzz} fuzzes (docs/fuzzing.md).
 */
class OrtCpuModelLoadFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void anyBytesBuildAnEngineOrThrowModelLoadException(byte[] model) {
        try (InferenceEngine engine = InferenceEngine.builder().model(model).backend("ort-cpu").build()) {
            assertThat(engine.backend()).isEqualTo("ort-cpu");
        } catch (ModelLoadException expected) {
            // what build() promises for bytes that are no model ONNX Runtime can load
        }
    }
}
