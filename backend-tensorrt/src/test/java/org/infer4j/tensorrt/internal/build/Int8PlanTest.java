package org.infer4j.tensorrt.internal.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.infer4j.Int8Calibration;
import org.infer4j.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The INT8 build's plan: the stored calibration table it starts from, and what of it enters the engine's
 * cache key, so that an engine is reused only with the scales it was built with.
 */
class Int8PlanTest {
    private static final byte[] TABLE = "TRT-100600-EntropyCalibration2\ninput: 3c010a14\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static Int8Calibration calibration(String identity, String... fp32) {
        return Int8Calibration.builder(List.<Map<String, Tensor>>of()).identity(identity).keepFp32(fp32).build();
    }

    @Test
    void aStoredEntropyTableIsPickedUpUnderTheCalibrationsName() {
        EngineCache cache = new EngineCache(dir);
        Int8Calibration calibration = calibration("data-1");
        cache.storePlain(calibration.tableName("model"), TABLE);

        Int8Plan plan = Int8Plan.of(calibration, "model", cache);

        assertThat(plan.storedTable()).hasValue(TABLE);
        assertThat(Int8Plan.of(calibration, "another model", cache).storedTable()).isEmpty();
    }

    @Test
    void aFileThatIsNoEntropyCalibratorTableIsIgnoredSoTheBuildCalibratesAndReplacesIt() {
        EngineCache cache = new EngineCache(dir);
        Int8Calibration calibration = calibration("data-1");
        cache.storePlain(calibration.tableName("model"), "TRT-100600-MinMaxCalibration\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(Int8Plan.of(calibration, "model", cache).storedTable()).isEmpty();
        assertThat(Int8Plan.isEntropyTable(TABLE)).isTrue();
        assertThat(Int8Plan.isEntropyTable("garbage".getBytes(StandardCharsets.US_ASCII))).isFalse();
    }

    @Test
    void theKeyTextNamesTheDataTheTableAndTheFp32Layers() {
        Int8Plan none = new Int8Plan(calibration("data-1"), "t", null);
        Int8Plan withTable = none.withTable(TABLE);

        assertThat(List.of(none.keyText(), withTable.keyText(),
                new Int8Plan(calibration("data-2"), "t", TABLE).keyText(),
                new Int8Plan(calibration("data-1", "/fc/Gemm"), "t", TABLE).keyText(),
                withTable.withTable("TRT-100600-EntropyCalibration2\ninput: 3c010a15\n".getBytes(StandardCharsets.US_ASCII))
                        .keyText(),
                new Int8Plan(null, null, null).keyText()))
                .doesNotHaveDuplicates();
        assertThat(new Int8Plan(null, null, null).keyText()).startsWith("quantized model");
    }
}
