package org.infer4j.tensorrt.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.infer4j.Availability;
import org.infer4j.BackendUnavailableException;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.Precision;
import org.infer4j.UnsupportedPrecisionException;
import org.infer4j.contract.ReferenceModel;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.infer4j.tensorrt.TensorRtSettings;
import org.junit.jupiter.api.Test;

/** What the provider says about itself; the unavailable cases run where TensorRT or a GPU is missing (CI). */
class TensorRtProviderTest {

    @Test
    void isRegisteredWithServiceLoaderAsTensorrtWithTheTopPriority() {
        BackendProvider provider = Backends.discover().find("tensorrt").orElseThrow();

        assertThat(provider).isInstanceOf(TensorRtProvider.class);
        assertThat(provider.priority()).isEqualTo(1000);
        assertThat(provider.description()).contains("TensorRT");
    }

    @Test
    void availabilityNeverThrowsAndIsStable() {
        TensorRtProvider provider = new TensorRtProvider();

        assertThatCode(provider::availability).doesNotThrowAnyException();
        assertThat(provider.availability()).isSameAs(provider.availability());
    }

    @Test
    void whereTheNativesOrTheGpuAreMissingItSaysWhichAndHowToFixIt() {
        Availability a = new TensorRtProvider().availability();
        assumeFalse(a.isAvailable(), "TensorRT and a GPU are present here");

        assertThat(a.detail()).containsAnyOf("libcudart.so.12", "no NVIDIA driver", "no CUDA device");
        assertThat(a.detail()).contains("libnvinfer.so.10");
        assertThat(a.remedy()).isNotBlank().containsAnyOf("infer4j-gpu-redist", "NVIDIA GPU");
    }

    @Test
    void buildingWhereItIsUnavailableIsABackendUnavailableExceptionWithTheReason() {
        Availability a = new TensorRtProvider().availability();
        assumeFalse(a.isAvailable(), "TensorRT and a GPU are present here");

        assertThatThrownBy(() -> InferenceEngine.builder().backend("tensorrt")
                .model(ReferenceModel.named("mlp_tiny").onnxBytes()).build())
                .isInstanceOf(BackendUnavailableException.class).hasMessageContaining("tensorrt")
                .hasMessageContaining(a.detail().substring(0, 20));
    }

    @Test
    void booleanOptionsOverrideTheSettingsAndTakeOnlyTrueOrFalse() {
        assertThat(TensorRtProvider.booleanOption(configWith(Map.of()), "blockingSync", false)).isFalse();
        assertThat(TensorRtProvider.booleanOption(configWith(Map.of()), "blockingSync", true)).isTrue();
        assertThat(TensorRtProvider.booleanOption(configWith(Map.of("blockingSync", "TRUE")), "blockingSync", false)).isTrue();
        assertThat(TensorRtProvider.booleanOption(configWith(Map.of("tf32", "false")), "tf32", true)).isFalse();
        assertThatThrownBy(() -> TensorRtProvider.booleanOption(configWith(Map.of("tf32", "yes")), "tf32", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("option tf32")
                .hasMessageContaining("true or false, not 'yes'");
    }

    @Test
    void theContextPoolSizeOptionOverridesTheSettingsAndTakesOnlyAPositiveNumber() {
        assertThat(TensorRtProvider.settingsOf(configWith(Map.of())).contextPoolSize())
                .isEqualTo(TensorRtSettings.defaults().contextPoolSize());
        assertThat(TensorRtProvider.settingsOf(configWith(Map.of("contextPoolSize", " 4"))).contextPoolSize()).isEqualTo(4);
        assertThatThrownBy(() -> TensorRtProvider.settingsOf(configWith(Map.of("contextPoolSize", "four"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a number of contexts >= 1, not 'four'");
        assertThatThrownBy(() -> TensorRtProvider.settingsOf(configWith(Map.of("contextPoolSize", "0"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contextPoolSize must be >= 1");
    }

    @Test
    void anUnknownOptionIsRejectedNamingTheKnownOne() {
        EngineConfig config = configWith(Map.of("blockingsync", "true"));

        assertThatThrownBy(() -> config.requireKnownOptions(TensorRtProvider.NAME, Set.of(TensorRtProvider.BLOCKING_SYNC_OPTION)))
                .hasMessageContaining("no option 'blockingsync'").hasMessageContaining("[blockingSync]");
    }

    private static EngineConfig configWith(Map<String, String> options) {
        return new EngineConfig(null, ReferenceModel.named("mlp_tiny").onnxBytes(), 0, Precision.FP32, Map.of(), List.of(),
                options);
    }

    @Test
    void theRestOfTheLibraryKeepsWorkingWithoutIt() {
        assertThatCode(() -> Backends.discover().report()).doesNotThrowAnyException();
        assertThat(Backends.discover().find("tensorrt")).isPresent();
    }

    @Test
    void fp8NeedsComputeCapability89OrLaterAndSaysSoNamingTheGpu() {
        assertThatCode(() -> TensorRtProvider.requireFp8("NVIDIA H200", 9, 0)).doesNotThrowAnyException();
        assertThatCode(() -> TensorRtProvider.requireFp8("NVIDIA L4", 8, 9)).doesNotThrowAnyException();
        assertThatThrownBy(() -> TensorRtProvider.requireFp8("NVIDIA A100-SXM4-80GB", 8, 0))
                .isInstanceOf(UnsupportedPrecisionException.class).hasMessageContaining("NVIDIA A100-SXM4-80GB is 8.0")
                .hasMessageContaining("8.9");
    }
}
