package org.infer4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {
    private static final double PRECISION = 0.001; // 3 significant digits

    @Test
    void anEmptyRecorderReportsZeroEverywhere() {
        LatencySnapshot snapshot = LatencyRecorder.create().snapshot();

        assertThat(snapshot.count()).isZero();
        assertThat(snapshot.mean()).isZero();
        assertThat(snapshot.stdDev()).isZero();
        assertThat(snapshot.min()).isZero();
        assertThat(snapshot.max()).isZero();
        assertThat(snapshot.p50()).isZero();
        assertThat(snapshot.p999()).isZero();
        assertThat(snapshot.windowNanos()).isZero();
        assertThat(snapshot.throughputPerSecond()).isZero();
    }

    @Test
    void percentilesOfOneToTenThousandMicrosecondsAreTheRanksWithinThreeDigits() {
        LatencyRecorder recorder = LatencyRecorder.create();
        for (long micros = 1; micros <= 10_000; micros++) {
            recorder.record(micros * 1_000);
        }

        LatencySnapshot snapshot = recorder.snapshot();

        assertThat(snapshot.count()).isEqualTo(10_000);
        assertThat(snapshot.measuredCount()).isEqualTo(10_000);
        assertWithinPrecision(snapshot.min(), 1_000);
        assertWithinPrecision(snapshot.max(), 10_000_000);
        assertWithinPrecision(snapshot.p50(), 5_000_000);
        assertWithinPrecision(snapshot.p90(), 9_000_000);
        assertWithinPrecision(snapshot.p95(), 9_500_000);
        assertWithinPrecision(snapshot.p99(), 9_900_000);
        assertWithinPrecision(snapshot.p999(), 9_990_000);
        assertWithinPrecision(snapshot.percentile(100), 10_000_000);
        assertThat(snapshot.mean()).isCloseTo(5_000_500.0, within(5_000_500.0 * PRECISION));
        // standard deviation of a uniform 1..N grid: N / sqrt(12)
        assertThat(snapshot.stdDev()).isCloseTo(10_000_000 / Math.sqrt(12), within(10_000.0));
    }

    @Test
    void aPercentileIsNeverBelowTheValueItsRankSelects() {
        LatencyRecorder recorder = LatencyRecorder.create();
        recorder.record(100);
        recorder.record(200);
        recorder.record(300);
        recorder.record(1_000_000);

        LatencySnapshot snapshot = recorder.snapshot();

        assertThat(snapshot.p50()).isEqualTo(200);
        assertThat(snapshot.percentile(75)).isEqualTo(300);
        assertThat(snapshot.p99()).isBetween(1_000_000L, 1_001_000L);
    }

    @Test
    void zeroIsAValidLatency() {
        LatencyRecorder recorder = LatencyRecorder.create();
        recorder.record(0);

        assertThat(recorder.snapshot().count()).isEqualTo(1);
        assertThat(recorder.snapshot().max()).isZero();
    }

    @Test
    void latenciesAboveAnHourAreRecordedAsAnHour() {
        LatencyRecorder recorder = LatencyRecorder.create();
        recorder.record(Long.MAX_VALUE);

        assertWithinPrecision(recorder.snapshot().max(), TimeUnit.HOURS.toNanos(1));
    }

    @Test
    void aNegativeLatencyIsRejectedWithTheValueAndTheLikelyMistake() {
        LatencyRecorder recorder = LatencyRecorder.create();

        assertThatThrownBy(() -> recorder.record(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-5")
                .hasMessageContaining("System.nanoTime()");
        assertThat(recorder.snapshot().count()).isZero();
    }

    @Test
    void percentilesOutsideZeroToHundredAreRejected() {
        LatencySnapshot snapshot = LatencyRecorder.create().snapshot();

        for (double bad : new double[] {0, -1, 100.0001, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> snapshot.percentile(bad))
                    .as("percentile(%s)", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(0, 100]");
        }
    }

    @Test
    void aSnapshotCoversEverythingSinceCreationAndLeavesTheRecorderRecording() {
        LatencyRecorder recorder = LatencyRecorder.create();
        recorder.record(1_000);
        LatencySnapshot first = recorder.snapshot();
        recorder.record(2_000);
        recorder.record(3_000);

        LatencySnapshot second = recorder.snapshot();

        assertThat(first.count()).as("snapshots are immutable").isEqualTo(1);
        assertThat(second.count()).isEqualTo(3);
        assertThat(second.min()).isEqualTo(1_000);
        assertWithinPrecision(second.max(), 3_000);
    }

    @Test
    void resetForgetsEverythingRecordedBefore() {
        LatencyRecorder recorder = LatencyRecorder.create();
        recorder.record(5_000_000);
        recorder.snapshot();
        recorder.record(6_000_000);

        recorder.reset();
        recorder.record(1_000);

        LatencySnapshot snapshot = recorder.snapshot();
        assertThat(snapshot.count()).isEqualTo(1);
        assertThat(snapshot.max()).isEqualTo(1_000);
        assertThat(snapshot.windowNanos()).as("that one sample's, not reaching back to those forgotten").isEqualTo(1_000);
    }

    @Test
    void theWindowRunsFromTheStartOfTheEarliestSampleToTheEndOfTheLatest() throws Exception {
        LatencyRecorder recorder = LatencyRecorder.create();
        long before = System.nanoTime();
        recorder.record(TimeUnit.MILLISECONDS.toNanos(200)); // began 200 ms before it was recorded
        Thread.sleep(50);
        recorder.record(1_000);
        long after = System.nanoTime();

        LatencySnapshot snapshot = recorder.snapshot();

        assertThat(snapshot.windowNanos())
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250))
                .isLessThanOrEqualTo(after - before + TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(snapshot.throughputPerSecond())
                .isCloseTo(2 * 1e9 / snapshot.windowNanos(), within(1e-9));
    }

    @Test
    void expectedIntervalRecordingAddsTheMissedSamplesToPercentilesButNotToThroughput() {
        LatencyRecorder recorder = LatencyRecorder.create();
        long interval = 1_000_000;
        for (int i = 0; i < 99; i++) {
            recorder.recordWithExpectedInterval(100_000, interval);
        }
        // one 10 ms stall hid the requests that would have been sent at 1, 2, ... 9 ms into it
        recorder.recordWithExpectedInterval(10_000_000, interval);

        LatencySnapshot snapshot = recorder.snapshot();

        assertThat(snapshot.measuredCount()).isEqualTo(100);
        assertThat(snapshot.count()).isEqualTo(109);
        // 109 samples: 99 of 0.1 ms, then 1, 2, ... 10 ms; the 104th (95 %) is 5 ms
        assertWithinPrecision(snapshot.p95(), 5_000_000);
        assertThat(snapshot.throughputPerSecond())
                .isCloseTo(100 * 1e9 / snapshot.windowNanos(), within(1e-6));
    }

    @Test
    void aNonPositiveExpectedIntervalIsRejected() {
        LatencyRecorder recorder = LatencyRecorder.create();

        assertThatThrownBy(() -> recorder.recordWithExpectedInterval(1_000, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expectedIntervalNanos")
                .hasMessageContaining("record(nanos)");
        assertThatThrownBy(() -> recorder.recordWithExpectedInterval(-1, 1_000))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mergingIsExactAndUnitesTheWindows() throws Exception {
        LatencyRecorder fast = LatencyRecorder.create();
        LatencyRecorder slow = LatencyRecorder.create();
        LatencyRecorder both = LatencyRecorder.create();
        for (long i = 1; i <= 1_000; i++) {
            fast.record(i * 1_000);
            both.record(i * 1_000);
        }
        Thread.sleep(20);
        for (long i = 1; i <= 500; i++) {
            slow.record(i * 1_000_000);
            both.record(i * 1_000_000);
        }

        LatencySnapshot merged = fast.snapshot().merge(slow.snapshot());
        LatencySnapshot expected = both.snapshot();

        assertThat(merged.count()).isEqualTo(1_500);
        for (double p : new double[] {1, 10, 50, 66.7, 90, 99, 99.9, 100}) {
            assertThat(merged.percentile(p)).as("p%s", p).isEqualTo(expected.percentile(p));
        }
        assertThat(merged.mean()).isEqualTo(expected.mean());
        assertThat(merged.min()).isEqualTo(fast.snapshot().min());
        assertThat(merged.max()).isEqualTo(slow.snapshot().max());
        assertThat(merged.windowNanos())
                .isGreaterThanOrEqualTo(fast.snapshot().windowNanos())
                .isGreaterThanOrEqualTo(slow.snapshot().windowNanos());
    }

    @Test
    void mergingWithAnEmptySnapshotChangesNothing() {
        LatencyRecorder recorder = LatencyRecorder.create();
        recorder.record(1_000);
        recorder.record(2_000);
        LatencySnapshot snapshot = recorder.snapshot();

        LatencySnapshot merged = snapshot.merge(LatencyRecorder.create().snapshot());

        assertThat(merged.toMap()).isEqualTo(snapshot.toMap());
    }

    @Test
    void manyThreadsRecordingAtOnceLoseNoSample() throws Exception {
        int threads = 8;
        int perThread = 100_000;
        LatencyRecorder recorder = LatencyRecorder.create();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        List<LatencySnapshot> taken = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                long value = (t + 1) * 1_000L;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        recorder.record(value);
                    }
                    return null;
                }));
            }
            start.countDown();
            while (done.stream().anyMatch(f -> !f.isDone())) {
                taken.add(recorder.snapshot()); // snapshots while recording must not disturb it
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        LatencySnapshot snapshot = recorder.snapshot();
        assertThat(snapshot.count()).isEqualTo((long) threads * perThread);
        assertThat(snapshot.min()).isEqualTo(1_000);
        assertWithinPrecision(snapshot.max(), threads * 1_000L);
        assertThat(taken).allSatisfy(s -> assertThat(s.count()).isLessThanOrEqualTo(snapshot.count()));
    }

    @Test
    void theJsonFormCarriesEveryStatisticUnderItsDocumentedKey() throws Exception {
        LatencyRecorder recorder = LatencyRecorder.create();
        for (long i = 1; i <= 100; i++) {
            recorder.record(i * 10_000);
        }
        LatencySnapshot snapshot = recorder.snapshot();

        JsonNode json = new ObjectMapper().readTree(snapshot.toJson());

        assertThat(json.get("count").asLong()).isEqualTo(100);
        assertThat(json.get("mean_ns").asDouble()).isEqualTo(snapshot.mean());
        assertThat(json.get("std_dev_ns").asDouble()).isEqualTo(snapshot.stdDev());
        assertThat(json.get("min_ns").asLong()).isEqualTo(snapshot.min());
        assertThat(json.get("max_ns").asLong()).isEqualTo(snapshot.max());
        assertThat(json.get("p50_ns").asLong()).isEqualTo(snapshot.p50());
        assertThat(json.get("p90_ns").asLong()).isEqualTo(snapshot.p90());
        assertThat(json.get("p95_ns").asLong()).isEqualTo(snapshot.p95());
        assertThat(json.get("p99_ns").asLong()).isEqualTo(snapshot.p99());
        assertThat(json.get("p999_ns").asLong()).isEqualTo(snapshot.p999());
        assertThat(json.get("window_ns").asLong()).isEqualTo(snapshot.windowNanos());
        assertThat(json.get("throughput_per_s").asDouble()).isEqualTo(snapshot.throughputPerSecond());
        assertThat(new ObjectMapper().writeValueAsString(snapshot.toMap())).isEqualTo(snapshot.toJson());
    }

    private static void assertWithinPrecision(long actual, long expected) {
        assertThat((double) actual).isCloseTo(expected, within(Math.max(1.0, expected * PRECISION)));
    }
}
