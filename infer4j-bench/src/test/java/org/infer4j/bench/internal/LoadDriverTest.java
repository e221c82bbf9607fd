package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.Binding;
import org.infer4j.metrics.LatencySnapshot;
import org.junit.jupiter.api.Test;

/**
 * Several caller threads and fixed-rate load, on fake bindings of known service time (2 ms, 5 ms).
 * The assertions hold on a machine of any speed and load: counts fixed by the rate and the window,
 * latencies at least the service time, and what a queue behind one 5 ms binding must add up to.
 */
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
        assertThat(latency.min() / 1e6).as("each call's own latency, ms").isGreaterThanOrEqualTo(1.99);
    }

    @Test
    void throughputOfFourThreadsIsAllTheirRunsOverTheWindow() {
        List<Binding> bindings = sleeping(4, 2000);
        LatencySnapshot four = LoadDriver.measure(bindings, Sweep.Load.closed(4),
                Measurement.Limit.duration(Duration.ofMillis(400))).latency();

        int runs = bindings.stream().mapToInt(b -> ((SleepingBinding) b).runs.get()).sum();
        assertThat(four.measuredCount()).as("every thread's runs").isEqualTo(runs);
        assertThat(four.throughputPerSecond()).isEqualTo(four.measuredCount() * 1e9 / four.windowNanos());
        assertThat(four.windowNanos() / 1e6).as("from the first run's start to the last one's end, ms")
                .isGreaterThanOrEqualTo(2.0);
    }

    @Test
    void atARateWithinCapacityLatencyIsTheServiceTimeAndTheRateIsAchieved() {
        // one thread of 5 ms serves 200/s; offer 50/s
        LoadDriver.Timing timing = LoadDriver.measure(sleeping(1, 5000), new Sweep.Load(1, 50),
                Measurement.Limit.duration(Duration.ofMillis(600)));
        LatencySnapshot latency = timing.latency();
        double achieved = RunReport.LoadReport.of(new Sweep.Load(1, 50), latency.throughputPerSecond(), 0).achievedRatePerS();

        assertThat(latency.measuredCount()).as("requests due in 600 ms at 50/s").isEqualTo(30);
        assertThat(latency.min() / 1e6).as("at least the service time, ms").isGreaterThanOrEqualTo(4.99);
        assertThat(RunReport.LoadReport.of(new Sweep.Load(1, 50), achieved, timing.maxStartLagNanos()).keptUp())
                .as("kept up exactly when 95 %% of the offered rate was achieved (%.1f/s)", achieved)
                .isEqualTo(achieved >= 0.95 * 50);
    }

    @Test
    void aboveCapacityLatencyCountsFromTheIntendedStartAndGrowsWithTheQueue() {
        // 1 thread of 5 ms serves 200/s; offer 400/s for 500 ms: 200 requests, the last due at 500 ms but done at ~1 s
        Sweep.Load load = new Sweep.Load(1, 400);
        LoadDriver.Timing timing = LoadDriver.measure(sleeping(1, 5000), load, Measurement.Limit.duration(Duration.ofMillis(500)));
        LatencySnapshot latency = timing.latency();
        RunReport.LoadReport report = RunReport.LoadReport.of(load, latency.throughputPerSecond(), timing.maxStartLagNanos());

        // request k is due at 2.5k ms and, one at a time in at least 5 ms each, done no sooner than 5(k + 1) ms
        assertThat(latency.measuredCount()).as("every request due is run").isEqualTo(200);
        assertThat(latency.min() / 1e6).as("the first request waits for no one, ms").isGreaterThanOrEqualTo(4.99);
        assertThat(latency.max() / 1e6).as("the last, due at 497.5 ms, done no sooner than 1000 ms: measured from its "
                + "intended start, ms").isGreaterThanOrEqualTo(500.0);
        assertThat(latency.p50() / 1e6).as("a call alone takes 5 ms; the median request queues behind 100 others, ms")
                .isGreaterThanOrEqualTo(250.0);
        assertThat(report.keptUp()).isFalse();
        assertThat(report.achievedRatePerS()).as("at most one run per 5 ms").isLessThanOrEqualTo(200.0);
        assertThat(report.maxStartLagUs() / 1e3).as("the last started no sooner than 995 ms, ms").isGreaterThanOrEqualTo(497.0);
    }

    @Test
    void aPoolOfThreadsSharesOneScheduleOfRequests() {
        Sweep.Load load = new Sweep.Load(4, 400);
        List<Binding> bindings = sleeping(4, 5000);
        LoadDriver.Timing timing = LoadDriver.measure(bindings, load, Measurement.Limit.duration(Duration.ofMillis(500)));

        assertThat(timing.latency().measuredCount()).as("requests due in 500 ms at 400/s, each run once").isEqualTo(200)
                .isEqualTo(bindings.stream().mapToInt(b -> ((SleepingBinding) b).runs.get()).sum());
        assertThat(timing.latency().min() / 1e6).as("ms").isGreaterThanOrEqualTo(4.99);
    }

    @Test
    void aThreadCountWithoutAsManyBindingsIsRefused() {
        assertThatThrownBy(() -> LoadDriver.measure(sleeping(1, 10), Sweep.Load.closed(2), Measurement.Limit.iterations(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 threads need as many bindings");
    }
}
