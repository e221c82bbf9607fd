package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.infer4j.metrics.GpuDevice;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuMetricsSource;
import org.infer4j.metrics.GpuReading;
import org.infer4j.metrics.GpuSampler;
import org.junit.jupiter.api.Test;

/**
 * The phases of a GPU trace, with a fake GPU that is busy exactly while the trace's inference runs.
 * Each inference lasts until the GPU has been read twice, so that the busy phase holds samples
 * taken while it ran however the threads are scheduled; the tests assert what the phases hold, not
 * how fast anything happened.
 */
class PhaseTraceTest {

    /** GPU 3 "Fake", 100 % utilised and 300 W while {@code busy}, else 0 % and 60 W; 1 GiB more memory once loaded. */
    private static final class Gpu implements GpuMetricsSource {
        volatile boolean busy;
        volatile boolean loaded;
        final AtomicLong reads = new AtomicLong();

        @Override
        public List<GpuDevice> devices() {
            return List.of(new GpuDevice(3, "Fake"));
        }

        @Override
        public void read(int deviceIndex, GpuReading reading) {
            reading.set(GpuMetric.GPU_UTILIZATION, busy ? 100 : 0);
            reading.set(GpuMetric.POWER, busy ? 300 : 60);
            reading.set(GpuMetric.MEMORY_USED, loaded ? 2.0 * (1 << 30) : 1.0 * (1 << 30));
            reading.set(GpuMetric.MEMORY_TOTAL, 80.0 * (1 << 30));
            reading.set(GpuMetric.TEMPERATURE, busy ? 70 : 40);
            reading.set(GpuMetric.SM_CLOCK, busy ? 1980 : 345);
            reads.incrementAndGet();
        }

        @Override
        public void close() {
        }
    }

    private final Gpu gpu = new Gpu();
    private final AtomicInteger inferences = new AtomicInteger();

    /**
     * An inference during which the fake GPU is busy, lasting until the GPU has been read twice: the
     * second read begins after the first has ended, so after {@code busy} was set, and sees it.
     */
    private void inference() {
        gpu.busy = true;
        inferences.incrementAndGet();
        long target = gpu.reads.get() + 2;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (gpu.reads.get() < target) {
            assertThat(System.nanoTime() - deadline).as("the sampler read the GPU within 30 s").isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        gpu.busy = false;
    }

    private PhaseTrace.Result trace() {
        try (GpuSampler sampler = GpuSampler.builder().period(Duration.ofMillis(10)).source(gpu).start()) {
            return PhaseTrace.run(sampler, List.of(
                    PhaseTrace.Phase.task("load", () -> gpu.loaded = true),
                    PhaseTrace.Phase.idle("idle_before", Duration.ofMillis(300)),
                    PhaseTrace.Phase.busy("busy", Duration.ofMillis(500)),
                    PhaseTrace.Phase.idle("idle_after", Duration.ofMillis(300))), this::inference, 3);
        }
    }

    @Test
    void phasesFollowEachOtherWithTheirMarkersAndLastAsLongAsAsked() {
        PhaseTrace.Result trace = trace();

        assertThat(trace.phases()).extracting(PhaseTrace.PhaseResult::name)
                .containsExactly("load", "idle_before", "busy", "idle_after");
        assertThat(trace.phases()).extracting(PhaseTrace.PhaseResult::kind).containsExactly("task", "idle", "busy", "idle");
        assertThat(trace.phases().get(0).startMs()).isZero();
        for (int i = 1; i < trace.phases().size(); i++) {
            assertThat(trace.phases().get(i).startMs()).as("where the one before ended").isEqualTo(trace.phases().get(i - 1).endMs());
        }
        assertThat(trace.phase("idle_before").durationMs()).isGreaterThanOrEqualTo(300.0);
        assertThat(trace.phase("busy").durationMs()).isGreaterThanOrEqualTo(500.0);
        assertThat(trace.phase("idle_after").durationMs()).isGreaterThanOrEqualTo(300.0);
    }

    @Test
    void theBusyPhaseRunsTheInferenceBackToBackAndTheIdleOnesNever() {
        PhaseTrace.Result trace = trace();

        assertThat(trace.phase("busy").runs()).isEqualTo(inferences.get()).isPositive();
        assertThat(trace.phase("busy").latencyUs()).isNotNull();
        assertThat(trace.phase("idle_before").runs()).isZero();
        assertThat(trace.phase("idle_before").latencyUs()).isNull();
        assertThat(trace.phase("idle_after").runs()).isZero();
    }

    @Test
    void eachPhaseIsSummarisedFromItsOwnSamples() {
        PhaseTrace.Result trace = trace();

        PhaseTrace.PhaseResult busy = trace.phase("busy");
        assertThat(busy.sampleCount()).as("the inferences waited for samples").isPositive();
        assertThat(busy.max(GpuMetric.GPU_UTILIZATION)).isEqualTo(100);
        assertThat(busy.max(GpuMetric.POWER)).isEqualTo(300);
        assertThat(busy.summary().get("gpu_utilization_percent")).containsKeys("count", "min", "mean", "max", "p95")
                .containsEntry("count", busy.sampleCount());
        for (String idle : List.of("idle_before", "idle_after")) {
            PhaseTrace.PhaseResult phase = trace.phase(idle);
            // an idle phase waits and nothing else, so how many samples it holds is up to the scheduler; each reads idle
            if (phase.sampleCount() > 0) {
                assertThat(phase.max(GpuMetric.GPU_UTILIZATION)).as(idle).isZero();
                assertThat(phase.max(GpuMetric.POWER)).as(idle).isEqualTo(60);
                assertThat(phase.max(GpuMetric.MEMORY_USED)).as(idle + ": the model stays loaded").isEqualTo(2.0 * (1 << 30));
            }
        }
    }

    @Test
    void theSeriesCoversTheWholeTraceWithEveryTracedMetric() {
        PhaseTrace.Result trace = trace();

        assertThat(trace.deviceIndex()).isEqualTo(3);
        assertThat(trace.deviceName()).isEqualTo("Fake");
        assertThat(trace.samplePeriodMs()).isEqualTo(10);
        assertThat(trace.series()).containsKeys("t_ms", "gpu_utilization_percent", "memory_used_bytes", "power_watts",
                "temperature_celsius", "sm_clock_mhz");
        int samples = trace.series().get("t_ms").size();
        assertThat(samples).isEqualTo(trace.phases().stream().mapToInt(PhaseTrace.PhaseResult::sampleCount).sum());
        assertThat(trace.series().values()).allSatisfy(values -> assertThat(values).hasSize(samples));
        List<Double> times = trace.series().get("t_ms");
        assertThat(times).isSorted();
        double span = times.get(samples - 1) - times.get(0);
        assertThat(trace.achievedRatePerS()).as("samples over the time between the first and the last")
                .isCloseTo(span > 0 ? (samples - 1) * 1000 / span : 0, withinPercentage(1));
        assertThat(trace.series().get("memory_clock_mhz")).as("not reported by the fake").containsOnlyNulls();
        assertThat(trace.table()).contains("phase", "util mean", "power W", "idle_before", "busy", "idle_after");
    }

    @Test
    void aSamplerWithoutGpuCannotTrace() {
        GpuSampler none = GpuSampler.builder().source(new GpuMetricsSource() {
            @Override
            public List<GpuDevice> devices() {
                return List.of();
            }

            @Override
            public void read(int deviceIndex, GpuReading reading) {
            }

            @Override
            public void close() {
            }
        }).start();
        try (none) {
            assertThatThrownBy(() -> PhaseTrace.run(none, List.of(), null, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no GPU can be sampled");
        }
    }
}
