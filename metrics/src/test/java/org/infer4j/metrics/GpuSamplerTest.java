package org.infer4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GpuSamplerTest {

    @Test
    void samplesEveryDeviceAtTheConfiguredCadence() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10)).start()) {
            long from = System.nanoTime();
            Thread.sleep(1_000);
            GpuSnapshot snapshot = sampler.snapshot(from, System.nanoTime());

            assertThat(snapshot.isAvailable()).isTrue();
            assertThat(snapshot.devices()).hasSize(2);
            for (GpuSnapshot.Device device : snapshot.devices()) {
                // 100 expected; a loaded 2-core CI machine may delay some
                assertThat(device.sampleCount()).isBetween(60, 102);
                assertThat(device.sampleRatePerSecond()).isBetween(60.0, 110.0);
            }
            assertThat(snapshot.periodNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Test
    void theDefaultPeriodIsOneHundredMilliseconds() {
        try (GpuSampler sampler = GpuSampler.builder().source(new FakeGpuMetricsSource()).start()) {
            assertThat(sampler.period()).isEqualTo(Duration.ofMillis(100));
        }
    }

    @Test
    void summariesCoverOnlyTheRequestedWindow() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        source.utilization = 0;
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10)).start()) {
            Thread.sleep(300);
            long busyFrom = System.nanoTime();
            source.utilization = 100;
            Thread.sleep(300);
            long busyTo = System.nanoTime();
            source.utilization = 0;
            Thread.sleep(300);
            long end = System.nanoTime();

            GpuMetricSummary busy = sampler.summary(0, GpuMetric.GPU_UTILIZATION, busyFrom + 20_000_000, busyTo);
            GpuMetricSummary all = sampler.summary(0, GpuMetric.GPU_UTILIZATION, busyFrom - 300_000_000, end);

            assertThat(busy.count()).isGreaterThan(10);
            assertThat(busy.min()).isEqualTo(100);
            assertThat(busy.mean()).isEqualTo(100);
            assertThat(all.min()).isZero();
            assertThat(all.max()).isEqualTo(100);
            assertThat(all.mean()).isBetween(20.0, 50.0);
            assertThat(sampler.latest(0, GpuMetric.GPU_UTILIZATION)).isZero();
        }
    }

    @Test
    void derivesMemoryPercentAndLeavesUnreportedMetricsEmpty() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10)).start()) {
            awaitSamples(sampler, 1, 3);

            assertThat(sampler.latest(0, GpuMetric.MEMORY_USED_PERCENT)).isEqualTo(50.0);
            assertThat(sampler.latest(1, GpuMetric.POWER)).isEqualTo(101.0);
            assertThat(sampler.latest(0, GpuMetric.SM_CLOCK)).isNaN();
            GpuMetricSummary clock = sampler.snapshot().devices().get(0).summary(GpuMetric.SM_CLOCK);
            assertThat(clock.count()).isZero();
            assertThat(clock.mean()).isNaN();
        }
    }

    @Test
    void theHistoryKeepsOnlyTheLatestSamples() throws Exception {
        try (GpuSampler sampler = GpuSampler.builder().source(new FakeGpuMetricsSource())
                .period(Duration.ofMillis(10)).historySize(5).start()) {
            awaitSamples(sampler, 0, 20);

            assertThat(sampler.sampleCount(0)).isGreaterThanOrEqualTo(20);
            assertThat(sampler.snapshot().devices().get(0).sampleCount()).isEqualTo(5);
        }
    }

    @Test
    void theJsonCarriesSampleCountPeriodSummariesAndSeries() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        source.throttleMask = GpuThrottleReason.SW_POWER_CAP.bit() | GpuThrottleReason.SW_THERMAL_SLOWDOWN.bit();
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10)).start()) {
            awaitSamples(sampler, 1, 5);
            GpuSnapshot snapshot = sampler.snapshot();

            JsonNode json = new ObjectMapper().readTree(snapshot.toJson());

            assertThat(json.get("available").asBoolean()).isTrue();
            assertThat(json.get("period_ms").asDouble()).isEqualTo(10.0);
            JsonNode device = json.get("devices").get(1);
            assertThat(device.get("name").asText()).isEqualTo("Fake GPU B");
            int count = device.get("sample_count").asInt();
            assertThat(count).isGreaterThanOrEqualTo(5);
            assertThat(device.at("/summary/power_watts/mean").asDouble()).isEqualTo(101.0);
            assertThat(device.at("/summary/sm_clock_mhz/mean").isNull()).isTrue();
            assertThat(device.at("/throttle_reasons/SW_POWER_CAP").asDouble()).isEqualTo(1.0);
            assertThat(device.at("/throttle_reasons/SW_THERMAL_SLOWDOWN").asDouble()).isEqualTo(1.0);
            assertThat(device.at("/series/t_ms").size()).isEqualTo(count);
            assertThat(device.at("/series/gpu_utilization_percent").size()).isEqualTo(count);
            assertThat(device.at("/series/sm_clock_mhz/0").isNull()).isTrue();
            assertThat(new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(snapshot.toMap())))
                    .as("the map form serialises with Jackson to the same JSON").isEqualTo(json);
            assertThat(new ObjectMapper().readTree(snapshot.toSummaryJson()).at("/devices/0/series").isMissingNode())
                    .isTrue();
        }
    }

    @Test
    void aFailingReadIsCountedAndSamplingGoesOn() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        source.failing = true;
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10)).start()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sampler.sampleErrors() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(sampler.sampleErrors()).isGreaterThanOrEqualTo(4);
            assertThat(sampler.lastError()).contains("GPU is lost");
            assertThat(sampler.sampleCount(0)).isZero();

            source.failing = false;
            awaitSamples(sampler, 0, 2);
            assertThat(sampler.snapshot().sampleErrors()).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void aNativeLinkageErrorInAReadIsCountedAndDoesNotStopSampling() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        source.linkageFailing = true;
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10)).start()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sampler.sampleErrors() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(sampler.sampleErrors()).isGreaterThanOrEqualTo(4);
            assertThat(sampler.lastError()).contains("nvmlDeviceGetSamples");

            source.linkageFailing = false;
            awaitSamples(sampler, 0, 2);
            assertThat(sampler.sampleCount(0)).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void closeStopsTheThreadsClosesTheSourceAndIsIdempotent() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10))
                .threshold(GpuThreshold.above(GpuMetric.TEMPERATURE, 85), event -> { })
                .start();
        awaitSamples(sampler, 0, 2);
        String threadName = sampler.threadName();
        assertThat(liveThreadsNamed(threadName)).isNotEmpty();

        sampler.close();
        int readsAtClose = source.reads.get();
        Thread.sleep(100);

        assertThat(source.closed).isTrue();
        assertThat(source.reads.get()).as("no read after close").isEqualTo(readsAtClose);
        assertThat(liveThreadsNamed(threadName)).as("sampling and event threads").isEmpty();
        sampler.close();
        assertThatThrownBy(sampler::snapshot).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> sampler.latest(0, GpuMetric.POWER)).isInstanceOf(IllegalStateException.class);
        assertThat(sampler.isAvailable()).isTrue();
    }

    @Test
    void thresholdListenersHearBreachAndClearOffTheSamplingThread() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        List<GpuThresholdEvent> events = new CopyOnWriteArrayList<>();
        List<String> listenerThreads = new CopyOnWriteArrayList<>();
        CountDownLatch breachedAndCleared = new CountDownLatch(4); // two devices
        GpuThreshold hot = GpuThreshold.above(GpuMetric.TEMPERATURE, 85)
                .sustainedFor(Duration.ofMillis(100)).hysteresis(5);
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10))
                .threshold(hot, event -> {
                    events.add(event);
                    listenerThreads.add(Thread.currentThread().getName());
                    breachedAndCleared.countDown();
                })
                .start()) {
            source.temperature = 90;
            Thread.sleep(400);
            source.temperature = 83; // inside the bound but within the hysteresis: still breached
            Thread.sleep(200);
            assertThat(events).hasSize(2).allMatch(e -> e.kind() == GpuThresholdEvent.Kind.BREACHED);
            source.temperature = 70;

            assertThat(breachedAndCleared.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(events).extracting(GpuThresholdEvent::kind).containsOnly(
                    GpuThresholdEvent.Kind.BREACHED, GpuThresholdEvent.Kind.CLEARED);
            assertThat(events).extracting(e -> e.device().index()).containsExactlyInAnyOrder(0, 0, 1, 1);
            assertThat(listenerThreads).allMatch(name -> name.equals(sampler.threadName() + "-events"));
        }
    }

    @Test
    void aListenerThatBlocksNeverStallsSampling() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        CountDownLatch release = new CountDownLatch(1);
        source.temperature = 90;
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10))
                .threshold(GpuThreshold.above(GpuMetric.TEMPERATURE, 85), event -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .start()) {
            awaitSamples(sampler, 0, 1);
            long before = sampler.sampleCount(0);
            Thread.sleep(300);

            assertThat(sampler.sampleCount(0) - before).isGreaterThan(15);
            release.countDown();
        }
    }

    @Test
    void withoutNvmlTheSamplerIsUnavailableWithTheReasonAndNothingThrows() {
        try (GpuSampler sampler = GpuSampler.start(Duration.ofMillis(10))) {
            if (sampler.isAvailable()) {
                assertThat(sampler.devices()).isNotEmpty(); // a GPU machine: NVML works
                return;
            }
            assertThat(sampler.unavailableReason()).containsAnyOf("libnvidia-ml", "NVML", "class path");
            assertThat(sampler.devices()).isEmpty();
            GpuSnapshot snapshot = sampler.snapshot();
            assertThat(snapshot.isAvailable()).isFalse();
            assertThat(snapshot.devices()).isEmpty();
            assertThat(snapshot.toJson()).contains("\"available\":false").contains("unavailable_reason");
            assertThatThrownBy(() -> sampler.latest(0, GpuMetric.POWER))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("none");
        }
    }

    @Test
    void badSettingsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> GpuSampler.builder().period(Duration.ofMillis(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 ms").hasMessageContaining("PT0.005S");
        assertThatThrownBy(() -> GpuSampler.builder().historySize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> GpuSampler.builder().devices(0, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        try (GpuSampler sampler = GpuSampler.builder().source(new FakeGpuMetricsSource()).start()) {
            assertThatThrownBy(() -> sampler.latest(7, GpuMetric.POWER))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GPU 7");
            assertThatThrownBy(() -> sampler.snapshot(10, 5))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("before it starts");
        }
    }

    @Test
    void thresholdsRejectMeaninglessBounds() {
        assertThatThrownBy(() -> GpuThreshold.above(GpuMetric.THROTTLE_REASONS, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bit mask");
        assertThatThrownBy(() -> GpuThreshold.above(GpuMetric.POWER, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> GpuThreshold.below(GpuMetric.POWER, 1).hysteresis(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> GpuThreshold.below(GpuMetric.POWER, 1).sustainedFor(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThat(GpuThreshold.above(GpuMetric.MEMORY_USED_PERCENT, 90).sustainedFor(Duration.ofSeconds(5))
                .hysteresis(5)).hasToString("memory_used_percent > 90.0 for PT5S (hysteresis 5.0)");
    }

    @Test
    void throttleReasonsDecodeFromNvmlBits() {
        assertThat(GpuThrottleReason.decode(0x4 | 0x40 | 0x10000)).containsExactly(
                GpuThrottleReason.SW_POWER_CAP, GpuThrottleReason.HW_THERMAL_SLOWDOWN);
        assertThat(GpuThrottleReason.decode(0)).isEmpty();
    }

    @Test
    void throttleReasonSharesCountOnlySamplesThatReportedAMask() {
        double[] masks = {0x4, 0x4 | 0x40, Double.NaN, 0, 0x40};

        assertThat(GpuThrottleReason.shares(masks)).containsOnly(
                entry(GpuThrottleReason.SW_POWER_CAP, 0.5),
                entry(GpuThrottleReason.HW_THERMAL_SLOWDOWN, 0.5));
        assertThat(GpuThrottleReason.shares(new double[] {Double.NaN})).isEmpty();
    }

    private static void awaitSamples(GpuSampler sampler, int device, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (sampler.sampleCount(device) < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(sampler.sampleCount(device)).as("samples of GPU %d", device).isGreaterThanOrEqualTo(count);
    }

    private static List<Thread> liveThreadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).toList();
    }
}
