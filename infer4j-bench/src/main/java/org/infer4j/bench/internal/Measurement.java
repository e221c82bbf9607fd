package org.infer4j.bench.internal;

import java.time.Duration;
import org.infer4j.Binding;
import org.infer4j.metrics.LatencyRecorder;
import org.infer4j.metrics.LatencySnapshot;
import org.jspecify.annotations.Nullable;

/**
 * The timed loop: warm-up runs first, untimed, then each timed iteration is one
 * {@link Binding#run()}, which returns only when the outputs are complete, between two
 * {@link System#nanoTime()} reads. The loop itself allocates nothing. Stateless and thread-safe;
 * the binding is used from the calling thread only.
 */
public final class Measurement {

    private Measurement() {
    }

    /**
     * How long to measure: a number of iterations, or, when {@code duration} is given, as many
     * iterations as fit in it (at least one).
     */
    public record Limit(int iterations, @Nullable Duration duration) {
        public Limit {
            if (duration == null && iterations < 1) {
                throw new IllegalArgumentException("--iterations must be at least 1, not " + iterations);
            }
            if (duration != null && (duration.isNegative() || duration.isZero())) {
                throw new IllegalArgumentException("--duration must be positive, not " + duration);
            }
        }

        public static Limit iterations(int count) {
            return new Limit(count, null);
        }

        public static Limit duration(Duration duration) {
            return new Limit(0, duration);
        }
    }

    /** Runs {@code warmup} untimed iterations, then the timed ones; returns their latencies. */
    public static LatencySnapshot measure(Binding binding, int warmup, Limit limit) {
        warmUp(binding, warmup);
        LatencyRecorder recorder = LatencyRecorder.create();
        if (limit.duration() != null) {
            long deadline = System.nanoTime() + limit.duration().toNanos();
            long end;
            do {
                long start = System.nanoTime();
                binding.run();
                end = System.nanoTime();
                recorder.record(end - start);
            } while (end < deadline);
        } else {
            for (int i = 0; i < limit.iterations(); i++) {
                long start = System.nanoTime();
                binding.run();
                recorder.record(System.nanoTime() - start);
            }
        }
        return recorder.snapshot();
    }

    /** Runs {@code warmup} untimed iterations. */
    public static void warmUp(Binding binding, int warmup) {
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, not " + warmup);
        }
        for (int i = 0; i < warmup; i++) {
            binding.run();
        }
    }
}
