package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.infer4j.Binding;
import org.infer4j.Tensor;
import org.infer4j.metrics.LatencySnapshot;
import org.junit.jupiter.api.Test;

class MeasurementTest {

    /** A binding whose run takes about {@code sleepNanos} and counts its calls. */
    private static final class CountingBinding implements Binding {
        private final long sleepNanos;
        int runs;

        CountingBinding(long sleepNanos) {
            this.sleepNanos = sleepNanos;
        }

        @Override
        public void run() {
            runs++;
            long until = System.nanoTime() + sleepNanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }

        @Override
        public Tensor input(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Tensor output(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void warmUpRunsAreRunButNotTimed() {
        CountingBinding binding = new CountingBinding(1_000);

        LatencySnapshot latency = Measurement.measure(binding, 7, Measurement.Limit.iterations(20));

        assertThat(binding.runs).isEqualTo(27);
        assertThat(latency.count()).isEqualTo(20);
    }

    @Test
    void eachTimedIterationCoversOneRun() {
        CountingBinding binding = new CountingBinding(200_000);
        LatencySnapshot latency = Measurement.measure(binding, 0, Measurement.Limit.iterations(10));

        assertThat(latency.count()).as("one time per run").isEqualTo(binding.runs).isEqualTo(10);
        assertThat(latency.min()).as("each covers its whole run").isGreaterThanOrEqualTo(199_000); // HdrHistogram: 3 digits
    }

    @Test
    void aDurationRunsUntilItHasPassed() {
        CountingBinding binding = new CountingBinding(1_000_000);
        long start = System.nanoTime();

        LatencySnapshot latency = Measurement.measure(binding, 0, Measurement.Limit.duration(Duration.ofMillis(30)));

        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(30_000_000);
        // no run begins once 30 ms have passed, and each takes at least 1 ms: at most 31 runs, however slow the machine
        assertThat(latency.count()).isEqualTo(binding.runs).isBetween(1L, 31L);
    }

    @Test
    void aDurationShorterThanOneRunStillTimesOne() {
        CountingBinding binding = new CountingBinding(2_000_000);

        LatencySnapshot latency = Measurement.measure(binding, 0, Measurement.Limit.duration(Duration.ofNanos(1)));

        assertThat(latency.count()).isEqualTo(1);
    }

    @Test
    void limitsAndWarmUpMustBeSensible() {
        assertThatThrownBy(() -> Measurement.Limit.iterations(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--iterations");
        assertThatThrownBy(() -> Measurement.Limit.duration(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--duration");
        assertThatThrownBy(() -> Measurement.measure(new CountingBinding(0), -1, Measurement.Limit.iterations(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--warmup");
    }
}
