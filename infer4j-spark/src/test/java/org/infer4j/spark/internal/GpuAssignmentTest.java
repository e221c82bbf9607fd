package org.infer4j.spark.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.infer4j.InferenceException;
import org.junit.jupiter.api.Test;

class GpuAssignmentTest {

    private static Map<String, ResourceInformation> gpus(String... addresses) {
        return Map.of("gpu", new ResourceInformation("gpu", addresses));
    }

    @Test
    void theGpuSparkAssignedIsTheDevice() {
        assertThat(GpuAssignment.deviceIndex(gpus("3"))).isEqualTo(3);
        assertThat(GpuAssignment.deviceIndex(gpus(" 0 "))).isZero();
    }

    @Test
    void aTaskGivenSeveralGpusRunsOnTheFirst() {
        assertThat(GpuAssignment.deviceIndex(gpus("2", "5"))).isEqualTo(2);
    }

    @Test
    void withoutAGpuTheBuildersDefaultDeviceIsUsed() {
        assertThat(GpuAssignment.deviceIndex(Map.of())).isNull();
        assertThat(GpuAssignment.deviceIndex(Map.of("fpga", new ResourceInformation("fpga", new String[] {"0"})))).isNull();
        assertThat(GpuAssignment.deviceIndex(gpus())).isNull();
    }

    @Test
    void outsideATaskThereIsNoAssignment() {
        assertThat(GpuAssignment.deviceIndex((org.apache.spark.TaskContext) null)).isNull();
    }

    @Test
    void anAddressThatIsNotADeviceIndexIsRefusedWithTheRemedy() {
        assertThatThrownBy(() -> GpuAssignment.deviceIndex(gpus("GPU-8f6c1c2e")))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("'GPU-8f6c1c2e'").hasMessageContaining("spark.executor.resource.gpu.discoveryScript");
        assertThatThrownBy(() -> GpuAssignment.deviceIndex(gpus("-1"))).isInstanceOf(InferenceException.class);
    }
}
