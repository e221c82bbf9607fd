package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.infer4j.Binding;
import org.infer4j.metrics.LatencyRecorder;
import org.infer4j.metrics.LatencySnapshot;
import org.jspecify.annotations.Nullable;

/**
 * Drives one engine through several bindings, one thread per binding, in a closed loop or at a fixed
 * rate, and records every call's latency into one (thread-safe) {@link LatencyRecorder}.
 *
 * <p><b>Closed loop</b>: each thread starts its next {@link Binding#run()} as soon as the last one
 * returns; latency is the call's own duration. With {@link Measurement.Limit#iterations} the count is the
 * total over all threads.
 *
 * <p><b>Fixed rate</b> (open loop): request {@code i} is due at {@code t0 + i / rate}. The threads form a
 * pool that takes the requests in order: a free thread takes the next request, waits until it is due
 * (if it is not yet), runs it and records {@code end - due}: latency counts from the <em>intended</em>
 * start, as wrk2 does, so time a request spent waiting for a free thread (because the engine fell behind)
 * is part of its latency; coordinated omission cannot hide it. (That is instead of HdrHistogram's
 * {@code recordWithExpectedInterval}, which back-fills samples a stalled closed loop missed; measuring from
 * the intended start already includes them, and doing both would count the wait twice.) Requests are due
 * until the duration ends (or the count is reached); those due are all run, so a backend that cannot keep
 * up finishes late and its achieved rate falls below the offered one.
 *
 * <p>Stateless; each call uses the bindings from its own threads only, one thread per binding.
 */
public final class LoadDriver {
    /** Below this much time before a request is due a thread spins instead of parking. */
    private static final long SPIN_NANOS = 100_000;

    private LoadDriver() {
    }

    /**
     * What a fixed-rate window did besides its latencies.
     *
     * @param maxStartLagNanos the longest a request waited past its due time before it started
     */
    public record Timing(LatencySnapshot latency, long maxStartLagNanos) {
    }

    /** Runs {@code load} on {@code bindings} (one per thread; the warm-up is the caller's) for {@code limit}. */
    public static Timing measure(List<Binding> bindings, Sweep.Load load, Measurement.Limit limit) {
        if (bindings.size() != load.threads()) {
            throw new IllegalArgumentException(load.threads() + " threads need as many bindings, not " + bindings.size());
        }
        if (!load.isFixedRate() && bindings.size() == 1) {
            return new Timing(Measurement.measure(bindings.get(0), 0, limit), 0);
        }
        LatencyRecorder recorder = LatencyRecorder.create();
        AtomicLong tickets = new AtomicLong();
        AtomicLong maxLag = new AtomicLong();
        long limitCount = limit.duration() == null ? limit.iterations() : Long.MAX_VALUE;
        long durationNanos = limit.duration() == null ? Long.MAX_VALUE : limit.duration().toNanos();
        long intervalNanos = load.isFixedRate() ? Math.max(1, Math.round(1e9 / load.ratePerSecond())) : 0;
        AtomicLong t0 = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(bindings.size(), () -> t0.set(System.nanoTime() + 1_000_000));
        AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < bindings.size(); i++) {
            Binding binding = bindings.get(i);
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    long origin = t0.get();
                    if (load.isFixedRate()) {
                        fixedRate(binding, recorder, tickets, maxLag, origin, intervalNanos, limitCount, durationNanos, failure);
                    } else {
                        closedLoop(binding, recorder, tickets, origin, limitCount, durationNanos, failure);
                    }
                } catch (Throwable t) { // handed to the caller's thread below
                    failure.compareAndSet(null, t);
                }
            }, "infer4j-load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the load threads ran", e);
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
        return new Timing(recorder.snapshot(), maxLag.get());
    }

    private static void closedLoop(Binding binding, LatencyRecorder recorder, AtomicLong tickets, long origin,
                                   long limitCount, long durationNanos, AtomicReference<@Nullable Throwable> failure) {
        waitUntil(origin);
        while (failure.get() == null && tickets.getAndIncrement() < limitCount) {
            long begin = System.nanoTime();
            if (begin - origin >= durationNanos) {
                return;
            }
            binding.run();
            recorder.record(System.nanoTime() - begin);
        }
    }

    private static void fixedRate(Binding binding, LatencyRecorder recorder, AtomicLong tickets, AtomicLong maxLag, long origin,
                                  long intervalNanos, long limitCount, long durationNanos,
                                  AtomicReference<@Nullable Throwable> failure) {
        while (failure.get() == null) {
            long i = tickets.getAndIncrement();
            long due = origin + i * intervalNanos;
            if (i >= limitCount || due - origin >= durationNanos) {
                return;
            }
            waitUntil(due);
            long begin = System.nanoTime();
            maxLag.accumulateAndGet(begin - due, Math::max);
            binding.run();
            recorder.record(System.nanoTime() - due);
        }
    }

    private static void waitUntil(long due) {
        long remaining;
        while ((remaining = due - System.nanoTime()) > 0) {
            if (remaining > SPIN_NANOS) {
                LockSupport.parkNanos(remaining - SPIN_NANOS / 2);
            } else {
                Thread.onSpinWait();
            }
        }
    }
}
