package org.infer4j.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CpuControlTest {
    @Test
    void timesFixedWorkAboutAsLongAsTheCaseItStandsBeside() {
        CpuControl control = CpuControl.measure(20.0, 1000, 3000);
        assertThat(control.targetMicros()).isEqualTo(20.0);
        assertThat(control.runs()).isEqualTo(3000);
        assertThat(control.p99Micros()).isGreaterThanOrEqualTo(control.p50Micros());
        assertThat(control.p99OverP50()).isGreaterThanOrEqualTo(1.0);
        assertThat(control.p50Micros()).isPositive();
    }

    @Test
    void rejectsALengthOrCountsThatMeanNothing() {
        assertThatThrownBy(() -> CpuControl.measure(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CpuControl.measure(Double.NaN, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CpuControl.measure(10, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CpuControl.measure(10, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("iterations");
    }
}
