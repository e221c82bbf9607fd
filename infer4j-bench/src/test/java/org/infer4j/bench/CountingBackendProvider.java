package org.infer4j.bench;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code test-counting}: ort-cpu that counts the runs begun ({@link #RUNS}), ended ({@link #ENDED})
 * and in progress ({@link #ACTIVE}), so that a {@link FakeGpu} can look busy exactly while a model
 * runs; each run also does {@code whileRunning} (e.g. waits for the GPU to be sampled). Not
 * registered in META-INF/services; tests pass it explicitly.
 */
final class CountingBackendProvider extends OrtCpuWrapperProvider {
    static final String NAME = "test-counting";
    static final AtomicLong RUNS = new AtomicLong();
    static final AtomicLong ENDED = new AtomicLong();
    static final AtomicInteger ACTIVE = new AtomicInteger();

    private final Runnable whileRunning;

    CountingBackendProvider(Runnable whileRunning) {
        super(NAME, "ort-cpu counting its runs, for tests");
        this.whileRunning = whileRunning;
    }

    @Override
    void beforeRun() {
        ACTIVE.incrementAndGet();
        RUNS.incrementAndGet();
        whileRunning.run();
    }

    @Override
    void afterRun() {
        ENDED.incrementAndGet();
        ACTIVE.decrementAndGet();
    }
}
