package org.infer4j.bench;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code test-lazy}: ort-cpu whose first run through this provider takes {@value #COMPILE_MILLIS} ms more, the way
 * ONNX Runtime's TensorRT provider builds its engine on the first run when it was given no shape ranges.
 */
public final class LazyBackendProvider extends OrtCpuWrapperProvider {
    static final String NAME = "test-lazy";
    static final long COMPILE_MILLIS = 300;

    private final AtomicBoolean compiled = new AtomicBoolean();

    public LazyBackendProvider() {
        super(NAME, "ort-cpu that compiles for " + COMPILE_MILLIS + " ms on its first run, for tests");
    }

    @Override
    void beforeRun() {
        if (compiled.compareAndSet(false, true)) {
            long end = System.nanoTime() + COMPILE_MILLIS * 1_000_000;
            long left;
            while ((left = end - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
        }
    }
}
