package org.infer4j.lab;

import org.HdrHistogram.Histogram;

/**
 * A control for latency tails: a fixed piece of CPU arithmetic, calibrated to take about as long
 * as the case it stands beside, timed as often as that case. No GPU, no native call, no
 * allocation: what its p99/p50 shows is what this machine's interrupts and scheduling add to any
 * loop of that length on the calling thread's CPU, the floor under a measured case's p99/p50.
 *
 * @param targetMicros the length it was calibrated to
 */
public record CpuControl(double targetMicros, long runs, double meanMicros, double p50Micros, double p99Micros,
                         double p99OverP50) {

    /** Keeps the arithmetic observable, so that the JIT cannot drop it. */
    private static volatile long sink;

    /** Calibrates the loop to {@code micros}, runs it {@code warmup} times untimed, then {@code iterations} times timed. */
    public static CpuControl measure(double micros, int warmup, int iterations) {
        if (!(micros > 0) || warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("need micros > 0, warmup >= 0 and iterations >= 1, not " + micros + ", " + warmup
                    + ", " + iterations);
        }
        long calibrationRounds = 1_000_000;
        for (int i = 0; i < 50; i++) {
            sink = xorshift(calibrationRounds / 10); // compiles xorshift before it is timed
        }
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            sink = xorshift(calibrationRounds);
            best = Math.min(best, System.nanoTime() - start);
        }
        long rounds = Math.max(1, (long) (calibrationRounds * micros * 1e3 / best));
        for (int i = 0; i < warmup; i++) {
            sink = xorshift(rounds);
        }
        Histogram nanos = new Histogram(3);
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            sink = xorshift(rounds);
            nanos.recordValue(System.nanoTime() - start);
        }
        double p50 = nanos.getValueAtPercentile(50) / 1e3;
        double p99 = nanos.getValueAtPercentile(99) / 1e3;
        return new CpuControl(micros, nanos.getTotalCount(), nanos.getMean() / 1e3, p50, p99, p50 > 0 ? p99 / p50 : Double.NaN);
    }

    private static long xorshift(long rounds) {
        long x = 0x9E3779B97F4A7C15L;
        for (long i = 0; i < rounds; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        return x;
    }
}
