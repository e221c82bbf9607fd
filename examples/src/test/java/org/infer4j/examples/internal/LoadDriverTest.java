package org.infer4j.examples.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.Binding;
import org.infer4j.metrics.LatencySnapshot;
import org.junit.jupiter.api.Test;

/** Several caller threads and fixed-rate load, on fake bindings of known service time (2 ms, 5 ms). */
class LoadDriverTest {

    private static List<Binding> sleeping(int count, long micros) {
        List<Binding> bindings = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            bindings.add(new SleepingBinding(micros));
        }
        return bindings;
    }

    @Test
    void aClosedLoopOfFourThreadsRecordsEveryCallOfEveryThreadInOneHistogram() {
        List<Binding> bindings = sleeping(4, 2000);

        LatencySnapshot latency = LoadDriver.measure(bindings, Sweep.Load.closed(4), Measurement.Limit.iterations(200)).latency();

        int runs = bindings.stream().mapToInt(b -> ((SleepingBinding) b).runs.get()).sum();
        assertThat(latency.measuredCount()).as("--iterations counts runs over all threads").isEqualTo(200).isEqualTo(runs);
        assertThat(bindings).allSatisfy(b -> assertThat(((SleepingBinding) b).runs.get()).as("every thread ran").isPositive());
        assertThat(latency.p50() / 1e6).as("each call's own latency, ms").isBetween(1.9, 6.0);
    }

    @Test
    void throughputOfFourThreadsIsAllRunsOverTheWindowAboutFourTimesOneThreads() {
        Measurement.Limit limit = Measurement.Limit.duration(Duration.ofMillis(400));
        LatencySnapshot one = LoadDriver.measure(sleeping(1, 2000), Sweep.Load.closed(1), limit).latency();
        LatencySnapshot four = LoadDriver.measure(sleeping(4, 2000), Sweep.Load.closed(4), limit).latency();

        assertThat(four.throughputPerSecond()).isEqualTo(four.measuredCount() * 1e9 / four.windowNanos());
        assertThat(four.windowNanos() / 1e6).as("the window spans all threads' runs, ms").isBetween(380.0, 480.0);
        assertThat(four.throughputPerSecond()).as("4 threads on an engine that overlaps calls")
                .isGreaterThan(2.5 * one.throughputPerSecond());
    }

    @Test
    void atARateWithinCapacityLatencyIsTheServiceTimeAndTheRateIsAchieved() {
        // one thread of 5 ms serves 200/s; offer 50/s
        LoadDriver.Timing timing = LoadDriver.measure(sleeping(1, 5000), new Sweep.Load(1, 50),
                Measurement.Limit.duration(Duration.ofMillis(600)));
        LatencySnapshot latency = timing.latency();
        double achieved = RunReport.LoadReport.of(new Sweep.Load(1, 50), latency.throughputPerSecond(), 0).achievedRatePerS();

        assertThat(latency.measuredCount()).as("requests due in 600 ms at 50/s").isEqualTo(30);
        assertThat(latency.p50() / 1e6).as("ms").isBetween(4.9, 9.0);
        assertThat(achieved).isBetween(45.0, 55.0);
        assertThat(RunReport.LoadReport.of(new Sweep.Load(1, 50), achieved, timing.maxStartLagNanos()).keptUp()).isTrue();
    }

    @Test
    void aboveCapacityLatencyCountsFromTheIntendedStartAndGrowsWithTheQueue() {
        // 1 thread of 5 ms serves 200/s; offer 400/s for 500 ms: 200 requests, the last due at 500 ms but done at ~1 s
        Sweep.Load load = new Sweep.Load(1, 400);
        LoadDriver.Timing timing = LoadDriver.measure(sleeping(1, 5000), load, Measurement.Limit.duration(Duration.ofMillis(500)));
        LatencySnapshot latency = timing.latency();
        RunReport.LoadReport report = RunReport.LoadReport.of(load, latency.throughputPerSecond(), timing.maxStartLagNanos());

        assertThat(latency.measuredCount()).as("every request due is run").isEqualTo(200);
        assertThat(latency.min() / 1e6).as("the first request waits for no one, ms").isBetween(4.9, 9.0);
        assertThat(latency.max() / 1e6).as("the last waited ~0.5 s behind the others: measured from its intended start, ms")
                .isGreaterThan(400.0);
        assertThat(latency.p50() / 1e6).as("a call alone takes 5 ms; queueing makes the median ~50x that")
                .isGreaterThan(100.0);
        assertThat(report.keptUp()).isFalse();
        assertThat(report.achievedRatePerS()).isLessThan(0.95 * 400).isGreaterThan(150.0);
        assertThat(report.maxStartLagUs() / 1e3).as("ms").isGreaterThan(400.0);
    }

    @Test
    void morePoolThreadsAbsorbARateOneThreadCannot() {
        Sweep.Load load = new Sweep.Load(4, 400);
        LoadDriver.Timing timing = LoadDriver.measure(sleeping(4, 5000), load, Measurement.Limit.duration(Duration.ofMillis(500)));

        assertThat(timing.latency().p99() / 1e6).as("ms").isLessThan(60.0);
        assertThat(RunReport.LoadReport.of(load, timing.latency().throughputPerSecond(), timing.maxStartLagNanos()).keptUp())
                .isTrue();
    }

    @Test
    void aThreadCountWithoutAsManyBindingsIsRefused() {
        assertThatThrownBy(() -> LoadDriver.measure(sleeping(1, 10), Sweep.Load.closed(2), Measurement.Limit.iterations(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 threads need as many bindings");
    }
}
