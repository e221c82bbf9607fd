package org.infer4j.spi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets many threads use a native resource while one closes it, without a lock on the hot path:
 * users {@link #enter()} and {@link #exit()} (two atomic operations), and {@link #close()} waits
 * until no user is inside before the resource may be freed. Freeing memory under a running
 * inference would crash the JVM; this makes it an {@link IllegalStateException} instead.
 *
 * <p>Part of the SPI so that backend bindings, which own native memory, can share one
 * implementation of this protocol. Thread-safe; {@link #close()} may spin-park briefly while
 * runs finish, so it must not be called from inside {@code enter()}/{@code exit()}.
 */
public final class CloseGuard {
    private static final int CLOSING = 1 << 30;
    private final AtomicInteger state = new AtomicInteger();
    private final String what;

    /** @param what how messages name the guarded resource, e.g. {@code "this binding"} */
    public CloseGuard(String what) {
        this.what = what;
    }

    /** @throws IllegalStateException if closing or closed */
    public void enter() {
        if (state.incrementAndGet() >= CLOSING) {
            state.decrementAndGet();
            throw new IllegalStateException(what + " is closed");
        }
    }

    /** Leaves the resource; call exactly once per successful {@link #enter()}, in a finally block. */
    public void exit() {
        state.decrementAndGet();
    }

    /** @throws IllegalStateException if closing or closed; for methods that do not hold the resource. */
    public void ensureOpen() {
        if (state.get() >= CLOSING) {
            throw new IllegalStateException(what + " is closed");
        }
    }

    /** @return whether {@link #close()} has begun */
    public boolean isClosed() {
        return state.get() >= CLOSING;
    }

    /**
     * Marks closed and waits until every user has left.
     *
     * @return true for the first call only: that caller frees the resource
     */
    public boolean close() {
        int s;
        do {
            s = state.get();
            if (s >= CLOSING) {
                return false;
            }
        } while (!state.compareAndSet(s, s + CLOSING));
        while (state.get() != CLOSING) {
            LockSupport.parkNanos(50_000);
        }
        return true;
    }
}
