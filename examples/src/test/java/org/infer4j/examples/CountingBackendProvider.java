package org.infer4j.examples;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code test-counting}: ort-cpu that counts its runs in {@link #RUNS}, so that a {@link FakeGpu} can
 * look busy exactly while a model runs. Not registered in META-INF/services; tests pass it explicitly.
 */
final class CountingBackendProvider extends OrtCpuWrapperProvider {
    static final String NAME = "test-counting";
    static final AtomicLong RUNS = new AtomicLong();

    CountingBackendProvider() {
        super(NAME, "ort-cpu counting its runs, for tests");
    }

    @Override
    void beforeRun() {
        RUNS.incrementAndGet();
    }
}
