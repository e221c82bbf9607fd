package org.infer4j.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * {@code test-slow}: ort-cpu that takes at least {@value #SERVICE_MILLIS} ms per run (sleeping, not computing), an
 * engine of known capacity: one caller thread serves at most {@code 1000 / SERVICE_MILLIS} runs per second.
 */
public final class SlowBackendProvider extends OrtCpuWrapperProvider {
    static final String NAME = "test-slow";
    static final long SERVICE_MILLIS = 5;

    public SlowBackendProvider() {
        super(NAME, "ort-cpu taking " + SERVICE_MILLIS + " ms per run, for tests");
    }

    @Override
    void beforeRun() {
        long end = System.nanoTime() + SERVICE_MILLIS * 1_000_000;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
