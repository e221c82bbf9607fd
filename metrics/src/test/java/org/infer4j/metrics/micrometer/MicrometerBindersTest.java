package org.infer4j.metrics.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.infer4j.metrics.GpuDevice;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuMetricsSource;
import org.infer4j.metrics.GpuReading;
import org.infer4j.metrics.GpuSampler;
import org.infer4j.metrics.LatencyRecorder;
import org.junit.jupiter.api.Test;

class MicrometerBindersTest {

    @Test
    void latencyRecorderMetersReportPercentilesInTheRegistrysTimeUnit() {
        LatencyRecorder recorder = LatencyRecorder.create();
        for (int i = 1; i <= 100; i++) {
            recorder.record(TimeUnit.MILLISECONDS.toNanos(i));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new LatencyRecorderMetrics(recorder, "infer4j.latency", Tags.of("model", "mlp"), Duration.ZERO)
                .bindTo(registry);

        assertThat(registry.get("infer4j.latency.count").tag("model", "mlp").functionCounter().count())
                .isEqualTo(100);
        assertThat(registry.get("infer4j.latency.p50").timeGauge().value(TimeUnit.MILLISECONDS))
                .isBetween(50.0, 50.1);
        assertThat(registry.get("infer4j.latency.p99").timeGauge().value(TimeUnit.MILLISECONDS))
                .isBetween(99.0, 99.1);
        assertThat(registry.get("infer4j.latency.max").timeGauge().value(TimeUnit.MILLISECONDS))
                .isBetween(100.0, 100.1);
        assertThat(registry.get("infer4j.latency.throughput").gauge().value()).isPositive();

        recorder.record(TimeUnit.SECONDS.toNanos(2));
        assertThat(registry.get("infer4j.latency.max").timeGauge().value(TimeUnit.MILLISECONDS))
                .as("maxAge zero: every read is fresh").isBetween(2000.0, 2002.0);
    }

    @Test
    void aNegativeMaxAgeIsRejected() {
        assertThatThrownBy(() -> new LatencyRecorderMetrics(LatencyRecorder.create(), "x", Tags.empty(),
                Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
    }

    @Test
    void gpuGaugesShowTheLatestValuesPerDevice() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (GpuSampler sampler = GpuSampler.builder().source(new OneGpu()).period(Duration.ofMillis(10)).start()) {
            new GpuSamplerMetrics(sampler).bindTo(registry);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sampler.sampleCount(3) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }

            assertThat(registry.get("infer4j.gpu.power_watts").tag("gpu", "3").tag("gpu.name", "Fake H100")
                    .gauge().value()).isEqualTo(350.0);
            assertThat(registry.get("infer4j.gpu.gpu_utilization_percent").gauge().value()).isEqualTo(97.0);
            assertThat(registry.get("infer4j.gpu.sm_clock_mhz").gauge().value()).isNaN();
            assertThat(registry.find("infer4j.gpu.throttle_reasons_mask").gauge()).isNull();
            assertThat(registry.get("infer4j.gpu.sample.errors").functionCounter().count()).isZero();
        }
        assertThat(registry.get("infer4j.gpu.power_watts").gauge().value()).as("closed sampler").isNaN();
    }

    @Test
    void anUnavailableSamplerBindsOnlyTheErrorCounter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (GpuSampler sampler = GpuSampler.start()) {
            new GpuSamplerMetrics(sampler).bindTo(registry);
            if (!sampler.isAvailable()) {
                assertThat(registry.getMeters()).hasSize(1);
            } else {
                assertThat(registry.find("infer4j.gpu.power_watts").gauges()).hasSize(sampler.devices().size());
            }
        }
    }

    private static final class OneGpu implements GpuMetricsSource {
        @Override
        public List<GpuDevice> devices() {
            return List.of(new GpuDevice(3, "Fake H100"));
        }

        @Override
        public void read(int deviceIndex, GpuReading reading) {
            reading.set(GpuMetric.POWER, 350);
            reading.set(GpuMetric.GPU_UTILIZATION, 97);
        }

        @Override
        public void close() {}
    }
}
