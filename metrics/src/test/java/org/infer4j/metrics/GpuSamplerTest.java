package org.infer4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class GpuSamplerTest {

    @Test
    void samplesEveryDeviceNeverFasterThanTheConfiguredPeriod() throws Exception {
        FakeGpuMetricsSource source = new FakeGpuMetricsSource();
        long from = System.nanoTime();
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10)).start()) {
            awaitSamples(sampler, 0, 20);
            awaitSamples(sampler, 1, 20);
            long to = System.nanoTime();
            GpuSnapshot snapshot = sampler.snapshot(from, to);

            assertThat(snapshot.isAvailable()).isTrue();
            assertThat(snapshot.devices()).hasSize(2);
            long periods = (to - from) / TimeUnit.MILLISECONDS.toNanos(10);
            for (GpuSnapshot.Device device : snapshot.devices()) {
                // the k-th sample is due k periods after the start and never taken sooner, however late the thread runs
                assertThat(device.sampleCount()).isBetween(20, (int) periods + 1);
                assertThat(java.util.Arrays.stream(device.timestampsNanos()).boxed().toList()).isSorted()
                        .allSatisfy(t -> assertThat(t).isBetween(from, to));
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
            awaitSamples(sampler, 0, 3);
            source.utilization = 100;
            // sample n (n counted now) may have read the old value; sample n + 1 began after sample n was stored, so
            // after the change. Samples are numbered from 0, and the history holds them all.
            int firstBusy = (int) sampler.sampleCount(0) + 1;
            awaitSamples(sampler, 0, firstBusy + 10);
            int lastBusy = (int) sampler.sampleCount(0) - 1; // stored, so read, before the change back
            source.utilization = 0;
            awaitSamples(sampler, 0, sampler.sampleCount(0) + 2);
            long[] t = sampler.snapshot().devices().get(0).timestampsNanos();

            GpuMetricSummary busy = sampler.summary(0, GpuMetric.GPU_UTILIZATION, t[firstBusy], t[lastBusy]);
            GpuMetricSummary all = sampler.summary(0, GpuMetric.GPU_UTILIZATION, t[0], t[t.length - 1]);

            assertThat(busy.count()).isEqualTo(lastBusy - firstBusy + 1);
            assertThat(busy.min()).isEqualTo(100);
            assertThat(busy.mean()).isEqualTo(100);
            assertThat(all.count()).isEqualTo(t.length);
            assertThat(all.min()).isZero();
            assertThat(all.max()).isEqualTo(100);
            assertThat(all.mean()).isStrictlyBetween(0.0, 100.0);
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
            awaitCondition(() -> sampler.sampleErrors() >= 4, "4 failed reads");
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
            awaitCondition(() -> sampler.sampleErrors() >= 4, "4 failed reads");
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

        List<Thread> threads = liveThreadsNamed(threadName);
        sampler.close();
        int readsAtClose = source.reads.get();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(5)); // close() stops them; a thread may take a moment to end after its task
        }

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
            awaitCondition(() -> events.size() >= 2, "a breach of both devices");
            source.temperature = 83; // inside the bound but within the hysteresis: still breached
            // 15 more samples of each device at 83: a clear, were one due, would have come
            awaitSamples(sampler, 0, sampler.sampleCount(0) + 15);
            awaitSamples(sampler, 1, sampler.sampleCount(1) + 15);
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
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        source.temperature = 90;
        try (GpuSampler sampler = GpuSampler.builder().source(source).period(Duration.ofMillis(10))
                .threshold(GpuThreshold.above(GpuMetric.TEMPERATURE, 85), event -> {
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .start()) {
            assertThat(entered.await(30, TimeUnit.SECONDS)).as("the listener heard the breach").isTrue();
            long before = sampler.sampleCount(0);

            awaitSamples(sampler, 0, before + 15); // while the listener blocks
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

    /** Waits until GPU {@code device} has {@code count} samples; fails if a 10 ms sampler has not got there in 30 s. */
    private static void awaitSamples(GpuSampler sampler, int device, long count) throws InterruptedException {
        awaitCondition(() -> sampler.sampleCount(device) >= count, count + " samples of GPU " + device);
    }

    private static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 30 s for %s", what).isNegative();
            Thread.sleep(5);
        }
    }

    private static List<Thread> liveThreadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).toList();
    }
}
