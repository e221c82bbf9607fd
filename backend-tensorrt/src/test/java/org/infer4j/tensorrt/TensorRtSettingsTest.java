package org.infer4j.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TensorRtSettingsTest {

    @Test
    void defaultsAreTensorRtsOwnWithCachesOnAndTwoContexts() {
        TensorRtSettings s = TensorRtSettings.defaults();

        assertThat(s.workspaceBytes()).isZero();
        assertThat(s.optimizationLevel()).isEqualTo(3);
        assertThat(s.tf32()).as("FP32 means FP32-accurate unless TF32 is asked for").isFalse();
        assertThat(s.engineCache()).isTrue();
        assertThat(s.timingCache()).isTrue();
        assertThat(s.contextPoolSize()).isEqualTo(2);
        assertThat(s.blockingSync()).as("callers poll the GPU: the lowest latency for one caller").isFalse();
        assertThat(s.buildListener()).isNull();
        assertThat(s.cacheDirectory().toString()).endsWith(Path.of("infer4j", "tensorrt").toString());
    }

    @Test
    void keepsWhatItIsGiven() {
        BuildListener listener = (model, elapsed, message) -> { };
        TensorRtSettings s = TensorRtSettings.builder().workspaceBytes(1L << 30).optimizationLevel(5).tf32(true)
                .cacheDirectory(Path.of("/tmp/trt")).engineCache(false).timingCache(false).contextPoolSize(4)
                .blockingSync(true).buildListener(listener).build();

        assertThat(s.workspaceBytes()).isEqualTo(1L << 30);
        assertThat(s.optimizationLevel()).isEqualTo(5);
        assertThat(s.tf32()).isTrue();
        assertThat(s.cacheDirectory()).isEqualTo(Path.of("/tmp/trt"));
        assertThat(s.toBuilder().build().toString()).as("toBuilder keeps every setting").isEqualTo(s.toString());
        assertThat(s.engineCache()).isFalse();
        assertThat(s.timingCache()).isFalse();
        assertThat(s.contextPoolSize()).isEqualTo(4);
        assertThat(s.blockingSync()).isTrue();
        assertThat(s.buildListener()).isSameAs(listener);
        assertThat(s.toString()).contains("optimizationLevel=5").contains("/tmp/trt").contains("blockingSync=true");
    }

    @Test
    void rejectsValuesThatCanNeverBeRightNamingTheRange() {
        TensorRtSettings.Builder b = TensorRtSettings.builder();

        assertThatThrownBy(() -> b.optimizationLevel(6)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0..5");
        assertThatThrownBy(() -> b.optimizationLevel(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.workspaceBytes(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> b.contextPoolSize(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 1");
        assertThatThrownBy(() -> b.cacheDirectory(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void graphCacheCapacityDefaultsToEightAndMustBePositive() {
        assertThat(TensorRtSettings.defaults().graphCacheCapacity()).isEqualTo(TensorRtSettings.DEFAULT_GRAPH_CACHE_CAPACITY)
                .isEqualTo(8);
        assertThat(TensorRtSettings.builder().graphCacheCapacity(2).build().graphCacheCapacity()).isEqualTo(2);
        assertThat(TensorRtSettings.builder().graphCacheCapacity(3).build().toString()).contains("graphCacheCapacity=3");
        assertThatThrownBy(() -> TensorRtSettings.builder().graphCacheCapacity(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("graphCacheCapacity must be >= 1");
    }

    @Test
    void zeroCopyLimitCopiesEveryHostTensorByDefaultAndTakesZeroToMax() {
        assertThat(TensorRtSettings.defaults().zeroCopyLimit()).isEqualTo(TensorRtSettings.DEFAULT_ZERO_COPY_LIMIT);
        assertThat(TensorRtSettings.builder().zeroCopyLimit(0).build().zeroCopyLimit()).as("every tensor copied").isZero();
        assertThat(TensorRtSettings.builder().zeroCopyLimit(Long.MAX_VALUE).build().zeroCopyLimit()).as("none copied")
                .isEqualTo(Long.MAX_VALUE);
        assertThat(TensorRtSettings.builder().zeroCopyLimit(4096).build().toString()).contains("zeroCopyLimit=4096");
        assertThatThrownBy(() -> TensorRtSettings.builder().zeroCopyLimit(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zeroCopyLimit must be >= 0 bytes").hasMessageContaining("-1");
    }
}
