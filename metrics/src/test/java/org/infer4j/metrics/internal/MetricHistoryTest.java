package org.infer4j.metrics.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuMetricSummary;
import org.infer4j.metrics.GpuReading;
import org.junit.jupiter.api.Test;

class MetricHistoryTest {

    @Test
    void keepsTheLatestSamplesOldestFirstOnceFull() {
        MetricHistory history = new MetricHistory(3);
        for (int t = 1; t <= 5; t++) {
            history.append(t, power(t * 10));
        }

        HistoryWindow all = history.window(Long.MIN_VALUE, Long.MAX_VALUE);

        assertThat(all.timestamps()).containsExactly(3, 4, 5);
        assertThat(all.values(GpuMetric.POWER)).containsExactly(30, 40, 50);
        assertThat(history.appended()).isEqualTo(5);
        assertThat(history.latest(GpuMetric.POWER)).isEqualTo(50);
    }

    @Test
    void aWindowHoldsTheSamplesWithinItsBoundsInclusive() {
        MetricHistory history = new MetricHistory(10);
        for (int t = 1; t <= 8; t++) {
            history.append(t * 100, power(t));
        }

        assertThat(history.window(300, 500).timestamps()).containsExactly(300, 400, 500);
        assertThat(history.window(301, 399).size()).isZero();
        assertThat(history.window(900, 1000).size()).isZero();
    }

    @Test
    void anEmptyHistoryHasNoLatestValue() {
        assertThat(new MetricHistory(2).latest(GpuMetric.POWER)).isNaN();
        assertThatThrownBy(() -> new MetricHistory(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }

    @Test
    void summariesIgnoreUnreportedValuesAndUseTheNearestRankForP95() {
        double[] values = new double[21];
        for (int i = 0; i < 20; i++) {
            values[i] = i + 1; // 1..20
        }
        values[20] = Double.NaN;

        GpuMetricSummary summary = GpuMetricSummary.of(values);

        assertThat(summary.count()).isEqualTo(20);
        assertThat(summary.min()).isEqualTo(1);
        assertThat(summary.max()).isEqualTo(20);
        assertThat(summary.mean()).isEqualTo(10.5);
        assertThat(summary.p95()).isEqualTo(19); // rank ceil(0.95 * 20) = 19
    }

    private static GpuReading power(double watts) {
        GpuReading reading = new GpuReading();
        reading.set(GpuMetric.POWER, watts);
        return reading;
    }
}
