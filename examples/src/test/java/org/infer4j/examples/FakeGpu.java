package org.infer4j.examples;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.examples.internal.GpuSamplers;
import org.infer4j.metrics.GpuDevice;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuMetricsSource;
import org.infer4j.metrics.GpuReading;
import org.infer4j.metrics.GpuSampler;

/**
 * A GPU for tests, read through the real {@link GpuSampler}: device 0, "Fake H100", whose utilisation
 * is {@link #BUSY_UTILIZATION} while {@link #busy} is set or while {@link CountingBackendProvider}
 * runs (its run count moved since the previous read), and 0 otherwise; 2 GiB of 80 used, 150 W,
 * 50 °C, 1980 MHz. Counts the samplers started.
 */
final class FakeGpu implements GpuSamplers {
    static final double BUSY_UTILIZATION = 97;
    static final double POWER_WATTS = 150;
    static final double MEMORY_USED_BYTES = 2.0 * 1024 * 1024 * 1024;

    volatile boolean busy;
    final AtomicInteger samplersStarted = new AtomicInteger();

    @Override
    public GpuSampler start(Duration period) {
        samplersStarted.incrementAndGet();
        return GpuSampler.builder().period(period).source(new Source()).start();
    }

    private final class Source implements GpuMetricsSource {
        private long runsSeen = CountingBackendProvider.RUNS.get();

        @Override
        public List<GpuDevice> devices() {
            return List.of(new GpuDevice(0, "Fake H100"));
        }

        @Override
        public void read(int deviceIndex, GpuReading reading) {
            long runs = CountingBackendProvider.RUNS.get();
            reading.set(GpuMetric.GPU_UTILIZATION, busy || runs != runsSeen ? BUSY_UTILIZATION : 0);
            runsSeen = runs;
            reading.set(GpuMetric.MEMORY_USED, MEMORY_USED_BYTES);
            reading.set(GpuMetric.MEMORY_TOTAL, 80.0 * 1024 * 1024 * 1024);
            reading.set(GpuMetric.POWER, POWER_WATTS);
            reading.set(GpuMetric.TEMPERATURE, 50);
            reading.set(GpuMetric.SM_CLOCK, 1980);
        }

        @Override
        public void close() {
        }
    }

    /** Samplers of a machine without NVML: they say why, and starting one is a bug of the caller. */
    static GpuSamplers unavailable() {
        return new GpuSamplers() {
            @Override
            public GpuSampler start(Duration period) {
                throw new AssertionError("a sampler was started where none is available");
            }

            @Override
            public String unavailableReason() {
                return "NVML could not be loaded (libnvidia-ml.so.1: cannot open shared object file)";
            }
        };
    }
}
