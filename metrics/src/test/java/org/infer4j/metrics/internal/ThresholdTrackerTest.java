package org.infer4j.metrics.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.infer4j.metrics.GpuDevice;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuThreshold;
import org.infer4j.metrics.GpuThresholdEvent;
import org.infer4j.metrics.GpuThresholdEvent.Kind;
import org.junit.jupiter.api.Test;

class ThresholdTrackerTest {
    private static final long SECOND = 1_000_000_000L;
    private static final GpuDevice GPU = new GpuDevice(0, "test");

    @Test
    void breachesOnlyAfterTheBoundIsCrossedForTheWholeDuration() {
        ThresholdTracker memory = new ThresholdTracker(
                GpuThreshold.above(GpuMetric.MEMORY_USED_PERCENT, 90).sustainedFor(Duration.ofSeconds(5)), GPU);

        assertThat(memory.onSample(95, 0)).isNull();
        assertThat(memory.onSample(95, 4 * SECOND)).isNull();
        GpuThresholdEvent event = memory.onSample(96, 5 * SECOND);

        assertThat(event).isNotNull();
        assertThat(event.kind()).isEqualTo(Kind.BREACHED);
        assertThat(event.value()).isEqualTo(96);
        assertThat(event.timestampNanos()).isEqualTo(5 * SECOND);
        assertThat(event.device()).isEqualTo(GPU);
        assertThat(memory.onSample(97, 6 * SECOND)).as("reported once").isNull();
    }

    @Test
    void aDipBackInsideRestartsTheWait() {
        ThresholdTracker memory = new ThresholdTracker(
                GpuThreshold.above(GpuMetric.MEMORY_USED_PERCENT, 90).sustainedFor(Duration.ofSeconds(5)), GPU);

        memory.onSample(95, 0);
        memory.onSample(90, 3 * SECOND); // at the bound is not above it
        assertThat(memory.onSample(95, 4 * SECOND)).isNull();
        assertThat(memory.onSample(95, 8 * SECOND)).isNull();
        assertThat(memory.onSample(95, 9 * SECOND)).extracting(GpuThresholdEvent::kind).isEqualTo(Kind.BREACHED);
    }

    @Test
    void clearsOnlyPastTheHysteresisMargin() {
        ThresholdTracker temperature = new ThresholdTracker(
                GpuThreshold.above(GpuMetric.TEMPERATURE, 85).hysteresis(3), GPU);

        assertThat(temperature.onSample(86, 0)).extracting(GpuThresholdEvent::kind).isEqualTo(Kind.BREACHED);
        assertThat(temperature.onSample(84, 1)).isNull();
        assertThat(temperature.onSample(86, 2)).as("no second breach while breached").isNull();
        assertThat(temperature.onSample(82.5, 3)).isNull();
        assertThat(temperature.onSample(82, 4)).extracting(GpuThresholdEvent::kind).isEqualTo(Kind.CLEARED);
        assertThat(temperature.onSample(86, 5)).extracting(GpuThresholdEvent::kind).isEqualTo(Kind.BREACHED);
    }

    @Test
    void aLowerBoundMirrorsTheUpperOne() {
        ThresholdTracker clock = new ThresholdTracker(
                GpuThreshold.below(GpuMetric.SM_CLOCK, 1500).sustainedFor(Duration.ofSeconds(1)).hysteresis(100), GPU);

        assertThat(clock.onSample(1400, 0)).isNull();
        assertThat(clock.onSample(1400, SECOND)).extracting(GpuThresholdEvent::kind).isEqualTo(Kind.BREACHED);
        assertThat(clock.onSample(1550, 2 * SECOND)).isNull();
        assertThat(clock.onSample(1600, 3 * SECOND)).extracting(GpuThresholdEvent::kind).isEqualTo(Kind.CLEARED);
    }

    @Test
    void samplesWithoutTheMetricChangeNothing() {
        ThresholdTracker power = new ThresholdTracker(
                GpuThreshold.above(GpuMetric.POWER, 600).sustainedFor(Duration.ofSeconds(2)), GPU);

        power.onSample(650, 0);
        assertThat(power.onSample(Double.NaN, SECOND)).isNull();
        assertThat(power.onSample(650, 2 * SECOND)).extracting(GpuThresholdEvent::kind).isEqualTo(Kind.BREACHED);
    }
}
