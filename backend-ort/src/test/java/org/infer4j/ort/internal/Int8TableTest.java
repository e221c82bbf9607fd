package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.infer4j.Int8Calibration;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.infer4j.UnsupportedPrecisionException;
import org.infer4j.ort.OrtSettings;
import org.infer4j.spi.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How ort-tensorrt runs INT8: with the TensorRT calibration table that the tensorrt backend stored for the
 * same model and calibration, handed to ONNX Runtime's TensorRT provider through its options; and what it
 * says when there is no usable table. Whether ONNX Runtime builds an INT8 engine from it is for the GPU
 * ({@code OrtTensorRtInt8GpuTest}).
 */
class Int8TableTest {
    private static final byte[] MODEL = {1, 2, 3};
    private static final String TABLE = "TRT-100600-EntropyCalibration2\ninput: 3c010a14\nrelu_out: 3d4c8f6e\n";

    @TempDir
    Path tensorRtCache;
    @TempDir
    Path ortCache;

    private static Int8Calibration calibration(String identity, String... fp32Layers) {
        return Int8Calibration.builder(List.<Map<String, Tensor>>of()).identity(identity).keepFp32(fp32Layers).build();
    }

    private static EngineConfig int8(@org.jspecify.annotations.Nullable Int8Calibration calibration) {
        return new EngineConfig(null, MODEL, 0, Precision.INT8, Map.of(), List.of(), Map.of(), false, EngineConfig.DEFAULT_MAX_IN_FLIGHT, calibration);
    }

    private OrtSettings settings() {
        return OrtSettings.builder().tensorRtCacheDirectory(ortCache).build();
    }

    private Path storeAsTensorRtWould(Int8Calibration calibration, String table) throws IOException {
        EngineConfig config = int8(calibration);
        return Files.writeString(tensorRtCache.resolve(calibration.tableName(config.modelDigest())), table);
    }

    @Test
    void theTableTensorRtStoredForTheModelAndCalibrationIsStagedForOnnxRuntime() throws IOException {
        Int8Calibration calibration = calibration("data-1");
        Path stored = storeAsTensorRtWould(calibration, TABLE);

        Int8Table.Staged staged = Int8Table.stage(int8(calibration), settings(), tensorRtCache);

        assertThat(staged.source()).isEqualTo(stored);
        assertThat(staged.directory()).startsWith(ortCache);
        assertThat(staged.directory().resolve(Int8Table.FILE_NAME)).hasContent(TABLE);
    }

    @Test
    void int8OptionsEnableInt8AndFp16WithTheNativeTableAndCacheEnginesBesideIt() throws IOException {
        Int8Calibration calibration = calibration("data-1");
        storeAsTensorRtWould(calibration, TABLE);
        Int8Table.Staged staged = Int8Table.stage(int8(calibration), settings(), tensorRtCache);

        Map<String, String> o = OrtTensorRtProvider.providerOptions(int8(calibration), settings(), staged);

        assertThat(o).containsEntry("trt_int8_enable", "1")
                .containsEntry("trt_fp16_enable", "1")
                .containsEntry("trt_int8_use_native_calibration_table", "1")
                .containsEntry("trt_int8_calibration_table_name", Int8Table.FILE_NAME)
                .as("ONNX Runtime reads the table from the engine cache directory")
                .containsEntry("trt_engine_cache_path", staged.directory().toString())
                .containsEntry("trt_timing_cache_path", ortCache.toString());
        assertThat(OrtTensorRtProvider.providerOptions(
                new EngineConfig(null, MODEL, 0, Precision.FP16, Map.of(), List.of(), Map.of()), settings(), null))
                .doesNotContainKey("trt_int8_enable").containsEntry("trt_engine_cache_path", ortCache.toString());
    }

    @Test
    void engineCachesOfDifferentTablesNeverMeet() throws IOException {
        Int8Calibration first = calibration("data-1");
        Int8Calibration second = calibration("data-2");
        storeAsTensorRtWould(first, TABLE);
        storeAsTensorRtWould(second, TABLE.replace("3d4c8f6e", "3d4c8f6f"));

        assertThat(Int8Table.stage(int8(first), settings(), tensorRtCache).directory())
                .isNotEqualTo(Int8Table.stage(int8(second), settings(), tensorRtCache).directory());
    }

    @Test
    void aTableGivenInTheSettingsWinsOverTheStoredOne() throws IOException {
        Int8Calibration calibration = calibration("data-1");
        storeAsTensorRtWould(calibration, TABLE);
        Path mine = Files.writeString(ortCache.resolve("mine.table"), TABLE.replace("3c010a14", "3c010a15"));
        OrtSettings settings = OrtSettings.builder().tensorRtCacheDirectory(ortCache).int8CalibrationTable(mine).build();

        Int8Table.Staged staged = Int8Table.stage(int8(calibration), settings, tensorRtCache);

        assertThat(staged.source()).isEqualTo(mine);
        assertThat(staged.directory().resolve(Int8Table.FILE_NAME)).hasContent(TABLE.replace("3c010a14", "3c010a15"));
    }

    @Test
    void withoutACalibrationRunOnTensorRtItSaysWhereTheTableShouldBeAndHowToMakeIt() {
        Int8Calibration calibration = calibration("data-1");

        assertThatThrownBy(() -> Int8Table.stage(int8(calibration), settings(), tensorRtCache))
                .isInstanceOf(UnsupportedPrecisionException.class)
                .hasMessageContaining(tensorRtCache.resolve(calibration.tableName(int8(calibration).modelDigest())).toString())
                .hasMessageContaining("tensorrt backend").hasMessageContaining("OrtSettings.int8CalibrationTable");
        assertThatThrownBy(() -> Int8Table.stage(int8(null), settings(), tensorRtCache))
                .isInstanceOf(UnsupportedPrecisionException.class)
                .hasMessageContaining("EngineBuilder.int8Calibration").hasMessageContaining("trt.trt_int8_enable=1");
        OrtSettings missing = OrtSettings.builder().tensorRtCacheDirectory(ortCache)
                .int8CalibrationTable(ortCache.resolve("gone.table")).build();
        assertThatThrownBy(() -> Int8Table.stage(int8(null), missing, tensorRtCache))
                .isInstanceOf(UnsupportedPrecisionException.class).hasMessageContaining("gone.table").hasMessageContaining("does not exist");
    }

    @Test
    void aFileThatIsNotATensorRtTableIsRefusedQuotingItsFirstLine() throws IOException {
        Int8Calibration calibration = calibration("data-1");
        storeAsTensorRtWould(calibration, "{\"input\": 2.0}\n");

        assertThatThrownBy(() -> Int8Table.stage(int8(calibration), settings(), tensorRtCache))
                .isInstanceOf(UnsupportedPrecisionException.class)
                .hasMessageContaining("not a TensorRT calibration table").hasMessageContaining("{\"input\": 2.0}");
    }

    @Test
    void layersKeptInFp32AreRefusedBecauseTheProviderHasNoPerLayerPrecision() throws IOException {
        Int8Calibration calibration = calibration("data-1", "/fc/Gemm");
        storeAsTensorRtWould(calibration, TABLE);

        assertThatThrownBy(() -> Int8Table.stage(int8(calibration), settings(), tensorRtCache))
                .isInstanceOf(UnsupportedPrecisionException.class).hasMessageContaining("[/fc/Gemm]")
                .hasMessageContaining("tensorrt backend");
    }

    @Test
    void theCudaProviderRefusesInt8BeforeTouchingTheGpu() {
        assertThatThrownBy(() -> new OrtCudaProvider().create(int8(calibration("data-1"))))
                .isInstanceOf(UnsupportedPrecisionException.class).hasMessageContaining("ort-cuda")
                .hasMessageContaining("Precision.INT8 does not apply");
    }
}
