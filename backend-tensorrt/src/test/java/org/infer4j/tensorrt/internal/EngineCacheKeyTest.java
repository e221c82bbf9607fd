package org.infer4j.tensorrt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import org.infer4j.Precision;
import org.junit.jupiter.api.Test;

class EngineCacheKeyTest {
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
}
