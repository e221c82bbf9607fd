package org.infer4j.bench.internal;

import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.Binding;
import org.infer4j.Tensor;

/** A binding whose every run takes {@code micros} of wall time without using a CPU: a fake engine of known capacity. */
final class SleepingBinding implements Binding {
    private final long nanos;
    final AtomicInteger runs = new AtomicInteger();

    SleepingBinding(long micros) {
        this.nanos = micros * 1000;
    }

    @Override
    public void run() {
        long end = System.nanoTime() + nanos;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
        runs.incrementAndGet();
    }

    @Override
    public Tensor input(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Tensor output(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
