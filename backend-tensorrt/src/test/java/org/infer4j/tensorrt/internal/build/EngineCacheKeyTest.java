package org.infer4j.tensorrt.internal.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.infer4j.Precision;
import org.infer4j.contract.ReferenceModel;
import org.infer4j.spi.EngineConfig;
import org.infer4j.tensorrt.TensorRtSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What decides whether a cached engine is reused. The GPU name, compute capability and TensorRT
 * version are fields of the key, so a cache directory shared by other GPUs or TensorRT versions
 * holds an engine per combination and never hands one to another. An engine file that TensorRT
 * refuses anyway is deleted and rebuilt ({@code EngineCacheTest}'s refused-entry case, and
 * {@code TensorRtGpuTest.aCorruptCachedEngineIsRebuiltNotACrash} on a GPU).
 */
class EngineCacheKeyTest {
    @TempDir
    Path dir;

    private static final EngineCacheKey BASE = new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0",
            Precision.FP16, true, 0, 3, "input=[1, 16][1, 16][32, 16];");

    @Test
    void equalKeysGiveEqualDigestsOfSha256Length() {
        EngineCacheKey same = new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", Precision.FP16, true, 0, 3,
                "input=[1, 16][1, 16][32, 16];");

        assertThat(same.digest()).isEqualTo(BASE.digest()).hasSize(64).matches("[0-9a-f]+");
    }

    @Test
    void everyFieldChangesTheDigest() {
        List<EngineCacheKey> variants = List.of(
                new EngineCacheKey("ab13", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", Precision.FP16, true, 0, 3, BASE.profiles()),
                new EngineCacheKey("ab12", "NVIDIA H200", 9, 0, "10.6.0", Precision.FP16, true, 0, 3, BASE.profiles()),
                new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 8, 0, "10.6.0", Precision.FP16, true, 0, 3, BASE.profiles()),
                new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 1, "10.6.0", Precision.FP16, true, 0, 3, BASE.profiles()),
                new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.7.0", Precision.FP16, true, 0, 3, BASE.profiles()),
                new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", Precision.FP32, true, 0, 3, BASE.profiles()),
                new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", Precision.FP16, false, 0, 3, BASE.profiles()),
                new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", Precision.FP16, true, 1 << 30, 3,
                        BASE.profiles()),
                new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", Precision.FP16, true, 0, 5, BASE.profiles()),
                new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", Precision.FP16, true, 0, 3,
                        "input=[1, 16][4, 16][32, 16];"));

        List<String> digests = variants.stream().map(EngineCacheKey::digest).collect(Collectors.toList());

        assertThat(digests).doesNotContain(BASE.digest()).doesNotHaveDuplicates();
    }

    @Test
    void anInt8EnginesQuantizationIsPartOfItsKeyWhileOtherEnginesKeepTheirKeys() {
        EngineCacheKey int8 = new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", Precision.INT8, true, 0, 3,
                BASE.profiles(), "calibration data-1 table 00ff fp32 []");

        assertThat(List.of(int8.withQuantization("calibration data-1 table 00fe fp32 []").digest(),
                int8.withQuantization("calibration data-2 table 00ff fp32 []").digest(),
                int8.withQuantization("calibration data-1 table 00ff fp32 [/fc/Gemm]").digest()))
                .doesNotContain(int8.digest()).doesNotHaveDuplicates();
        assertThat(BASE.withQuantization("").digest()).as("an empty quantization is no field").isEqualTo(BASE.digest());
    }

    @Test
    void fieldsCannotRunTogetherIntoTheSameKey() {
        EngineCacheKey a = new EngineCacheKey("ab", "12GPU", 9, 0, "10.6.0", Precision.FP16, true, 0, 3, "");
        EngineCacheKey b = new EngineCacheKey("ab1", "2GPU", 9, 0, "10.6.0", Precision.FP16, true, 0, 3, "");

        assertThat(a.digest()).isNotEqualTo(b.digest());
    }

    @Test
    void theTimingCacheIsSharedAcrossModelsAndSettingsButNotAcrossGpusOrVersions() {
        EngineCacheKey otherModel = new EngineCacheKey("ffff", "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", Precision.FP32, false,
                0, 1, "");
        EngineCacheKey otherVersion = new EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", 9, 0, "10.7.0", Precision.FP16, true,
                0, 3, BASE.profiles());

        assertThat(otherModel.timingCacheName()).isEqualTo(BASE.timingCacheName());
        assertThat(otherVersion.timingCacheName()).isNotEqualTo(BASE.timingCacheName());
        assertThat(BASE.timingCacheName()).isEqualTo("timing-NVIDIA_H100_80GB_HBM3-sm90-trt10.6.0.cache");
    }

    @Test
    void aModelFileReplacedUnderTheSamePathWithTheSameSizeAndTimeGetsANewKey() throws Exception {
        Path model = dir.resolve("model.onnx");
        byte[] original = ReferenceModel.named("mlp_tiny").onnxBytes();
        Files.write(model, original);
        FileTime modified = Files.getLastModifiedTime(model);
        String before = keyOf(model).digest();

        byte[] replaced = original.clone();
        replaced[replaced.length - 1] ^= 1;
        Files.write(model, replaced);
        Files.setLastModifiedTime(model, modified);

        assertThat(keyOf(model).digest()).isNotEqualTo(before);
    }

    @Test
    void theSameModelBytesUnderAnotherPathOrGivenAsBytesGetTheSameKey() throws Exception {
        byte[] bytes = ReferenceModel.named("mlp_tiny").onnxBytes();
        Path one = Files.write(dir.resolve("one.onnx"), bytes);
        Path other = Files.write(Files.createDirectories(dir.resolve("elsewhere")).resolve("other.onnx"), bytes);

        assertThat(keyOf(other).digest()).isEqualTo(keyOf(one).digest());
        assertThat(keyOf(new EngineConfig(null, bytes, 0, Precision.FP32, Map.of(), List.of(), Map.of())).digest())
                .isEqualTo(keyOf(one).digest());
    }

    @Test
    void anExternalDataFileReplacedWithTheSameSizeAndTimeGetsANewKey() throws Exception {
        Path model = Files.write(dir.resolve("external.onnx"), externalDataFile("external.onnx"));
        Path weights = Files.write(dir.resolve("weights.bin"), externalDataFile("weights.bin"));
        FileTime modified = Files.getLastModifiedTime(weights);
        String before = keyOf(model).digest();

        byte[] retrained = externalDataFile("weights.bin");
        retrained[4] ^= 1;
        Files.write(weights, retrained);
        Files.setLastModifiedTime(weights, modified);

        assertThat(keyOf(model).digest()).isNotEqualTo(before);
    }

    @Test
    void aModelMovedWithItsExternalDataKeepsItsKey() throws Exception {
        Path model = Files.write(dir.resolve("external.onnx"), externalDataFile("external.onnx"));
        Files.write(dir.resolve("weights.bin"), externalDataFile("weights.bin"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path moved = Files.write(elsewhere.resolve("external.onnx"), externalDataFile("external.onnx"));
        Files.write(elsewhere.resolve("weights.bin"), externalDataFile("weights.bin"));

        assertThat(keyOf(moved).digest()).isEqualTo(keyOf(model).digest());
    }

    /** A file of the model with external data that {@code ExternalDataTest} describes. */
    private static byte[] externalDataFile(String name) throws IOException {
        String path = "/org/infer4j/tensorrt/internal/onnx/external/" + name;
        try (InputStream in = EngineCacheKeyTest.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("no test resource " + path);
            }
            return in.readAllBytes();
        }
    }

    private static EngineCacheKey keyOf(Path model) {
        return keyOf(new EngineConfig(model, null, 0, Precision.FP32, Map.of(), List.of(), Map.of()));
    }

    private static EngineCacheKey keyOf(EngineConfig config) {
        return EngineCacheKey.of(config, TensorRtSettings.defaults(), new ProfilePlan(Map.of(), List.of()),
                "NVIDIA H100 80GB HBM3", 9, 0, "10.6.0", "");
    }
}
