package org.infer4j.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.infer4j.bench.internal.GpuSamplers;
import org.infer4j.metrics.GpuDevice;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuMetricsSource;
import org.infer4j.metrics.GpuReading;
import org.infer4j.metrics.GpuSampler;
import org.infer4j.spi.BackendProvider;

/**
 * A GPU for tests, read through the real {@link GpuSampler}: device 0, "Fake H100", whose utilisation
 * is {@link #BUSY_UTILIZATION} while {@link #busy} is set or while {@link CountingBackendProvider}
 * runs (a run is in progress, or one began or ended since the previous read), and 0 otherwise;
 * 2 GiB of 80 used, 150 W, 50 °C, 1980 MHz. Counts the samplers started and the reads, and lets a
 * run wait for reads ({@link #awaitTwoMoreReadsWhileSampling()}), so that tests can await samples
 * by condition instead of hoping the sampling thread gets its turn in time.
 */
final class FakeGpu implements GpuSamplers {
    static final double BUSY_UTILIZATION = 97;
    static final double POWER_WATTS = 150;
    static final double MEMORY_USED_BYTES = 2.0 * 1024 * 1024 * 1024;
    /** How long a run waits for the sampling thread before the test fails: a starved thread, not a slow one. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    volatile boolean busy;
    final AtomicInteger samplersStarted = new AtomicInteger();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicInteger openSources = new AtomicInteger();

    @Override
    public GpuSampler start(Duration period) {
        samplersStarted.incrementAndGet();
        return GpuSampler.builder().period(period).source(new Source()).start();
    }

    /**
     * If a sampler is open, waits until it has read the GPU twice more. A run that calls this lies in
     * a sampled window that holds at least one sample taken wholly after the run began: the second
     * read's sample starts after the first read has ended.
     */
    void awaitTwoMoreReadsWhileSampling() {
        if (openSources.get() == 0) {
            return;
        }
        long target = reads.get() + 2;
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (reads.get() < target) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the GPU sampler did not read the fake GPU twice within " + READ_TIMEOUT);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** An ort-cpu backend, {@code ort-cpu-sampled}, whose every run waits for two reads of this GPU while it is sampled. */
    BackendProvider sampledBackend() {
        return new OrtCpuWrapperProvider("ort-cpu-sampled", "ort-cpu waiting for the fake GPU's sampler, for tests") {
            @Override
            void beforeRun() {
                awaitTwoMoreReadsWhileSampling();
            }
        };
    }

    private final class Source implements GpuMetricsSource {
        private long runsSeen = CountingBackendProvider.RUNS.get();
        private long endsSeen = CountingBackendProvider.ENDED.get();

        Source() {
            openSources.incrementAndGet();
        }

        @Override
        public List<GpuDevice> devices() {
            return List.of(new GpuDevice(0, "Fake H100"));
        }

        @Override
        public void read(int deviceIndex, GpuReading reading) {
            long runs = CountingBackendProvider.RUNS.get();
            long ends = CountingBackendProvider.ENDED.get();
            boolean running = CountingBackendProvider.ACTIVE.get() > 0 || runs != runsSeen || ends != endsSeen;
            reading.set(GpuMetric.GPU_UTILIZATION, busy || running ? BUSY_UTILIZATION : 0);
            runsSeen = runs;
            endsSeen = ends;
            reading.set(GpuMetric.MEMORY_USED, MEMORY_USED_BYTES);
            reading.set(GpuMetric.MEMORY_TOTAL, 80.0 * 1024 * 1024 * 1024);
            reading.set(GpuMetric.POWER, POWER_WATTS);
            reading.set(GpuMetric.TEMPERATURE, 50);
            reading.set(GpuMetric.SM_CLOCK, 1980);
            reads.incrementAndGet();
        }

        @Override
        public void close() {
            openSources.decrementAndGet();
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
