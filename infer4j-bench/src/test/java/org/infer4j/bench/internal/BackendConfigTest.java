package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendConfigTest {

    @Test
    void aNameAloneRunsWithoutGraphsOrOptions() {
        assertThat(BackendConfig.parse("ort-cuda")).isEqualTo(new BackendConfig("ort-cuda", "ort-cuda", false, Map.of()));
    }

    @Test
    void plusGraphsAndOptionsAfterAColonAreRead() {
        BackendConfig c = BackendConfig.parse("tensorrt+graphs:tf32=false;workspace=1024");

        assertThat(c.backend()).isEqualTo("tensorrt");
        assertThat(c.graphs()).isTrue();
        assertThat(c.options()).containsExactly(Map.entry("tf32", "false"), Map.entry("workspace", "1024"));
        assertThat(c.label()).isEqualTo("tensorrt+graphs:tf32=false;workspace=1024");
    }

    @Test
    void onlyTheOnnxRuntimeCpuAndCudaProvidersLeaveFp16Unbuilt() {
        assertThat(BackendConfig.parse("ort-cpu").buildsFp16()).isFalse();
        assertThat(BackendConfig.parse("ort-cuda").buildsFp16()).isFalse();
        assertThat(BackendConfig.parse("ort-tensorrt").buildsFp16()).isTrue();
        assertThat(BackendConfig.parse("tensorrt+graphs").buildsFp16()).isTrue();
    }

    @Test
    void anOptionWithoutAValueOrAConfigurationWithoutANameIsRejected() {
        assertThatThrownBy(() -> BackendConfig.parse("ort-cuda:use_tf32")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'use_tf32'").hasMessageContaining("not KEY=VALUE");
        assertThatThrownBy(() -> BackendConfig.parse("+graphs")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names no backend");
    }
}
