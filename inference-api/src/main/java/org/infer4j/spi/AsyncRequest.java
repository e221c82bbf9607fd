package org.infer4j.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The future of one asynchronous request, with the life cycle infer4j documents for it: queued,
 * then running, then done. Only a queued request can be cancelled: {@link #cancel} then completes
 * it with a {@link java.util.concurrent.CancellationException}, it never runs, and the caller may
 * reuse or close its inputs at once. A request that has started cannot be stopped (its GPU work
 * may be enqueued already): {@code cancel} returns false and the request completes as usual.
 *
 * <p>Backends finish a request with {@link #succeed} or {@link #fail}, never with
 * {@link #complete}: those run the request's finishing actions (returning its place among the
 * requests in flight, leaving the engine's close guard) before completing the future, so that a
 * caller woken by the future finds them done. A value the future can no longer take (the caller
 * completed the future itself) is closed if it is {@link AutoCloseable}, so that nothing leaks.
 *
 * <p>Thread-safe; {@link #start}, {@link #succeed} and {@link #fail} are for the thread that runs
 * the request.
 *
 * @param <T> the result type: {@link org.infer4j.Outputs} for engines, {@link Void} for bindings
 */
public final class AsyncRequest<T> extends CompletableFuture<T> {
    private static final Logger log = LoggerFactory.getLogger(AsyncRequest.class);
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;

    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final AsyncWork<T> work;
    private final List<Runnable> finishing = new ArrayList<>(2);
    private boolean finished; // guarded by finishing

    /** What a request does once a thread starts it; it finishes the request now or later, on any thread. */
    @FunctionalInterface
    public interface AsyncWork<T> {
        /**
         * Starts {@code request}; must end it with {@link AsyncRequest#succeed} or
         * {@link AsyncRequest#fail}, now or later. An exception thrown here fails it.
         */
        void start(AsyncRequest<T> request);
    }

    /** A queued request that runs {@code work} when started. */
    public AsyncRequest(AsyncWork<T> work) {
        this.work = Objects.requireNonNull(work, "work");
    }

    /**
     * Adds an action that runs once when the request finishes, before its future completes: on
     * {@link #succeed}, {@link #fail}, a successful {@link #cancel} or {@link #abandon}; at once,
     * on the calling thread, if the request has finished already.
     */
    public void whenFinishing(Runnable action) {
        Objects.requireNonNull(action, "action");
        synchronized (finishing) {
            if (!finished) {
                finishing.add(action);
                return;
            }
        }
        action.run();
    }

    /**
     * Marks a queued request running and runs its work; an exception from the work fails it.
     *
     * @return false, doing nothing, if the request was cancelled or abandoned before it started
     */
    public boolean start() {
        if (!state.compareAndSet(QUEUED, RUNNING)) {
            return false;
        }
        try {
            work.start(this);
        } catch (Throwable t) { // whatever the work threw is the request's failure, not the worker thread's
            fail(t);
        }
        return true;
    }

    /** Whether the request is queued: neither started nor finished. */
    public boolean isQueued() {
        return state.get() == QUEUED;
    }

    /** Finishes a running request with its result; closes the result if the future was completed otherwise. */
    public void succeed(@Nullable T value) {
        finish();
        if (!complete(value) && value instanceof AutoCloseable c) {
            closeQuietly(c);
        }
    }

    /** Finishes a running request with its failure. */
    public void fail(Throwable failure) {
        finish();
        completeExceptionally(failure);
    }

    /**
     * Fails a request that has not started, e.g. because its engine closed; does nothing to one that
     * has started or finished.
     *
     * @return whether the request was queued and is now failed
     */
    public boolean abandon(Throwable failure) {
        if (!state.compareAndSet(QUEUED, DONE)) {
            return false;
        }
        runFinishing();
        completeExceptionally(failure);
        return true;
    }

    /**
     * Cancels the request if it is still queued: it will never run, and the future completes with a
     * {@link java.util.concurrent.CancellationException}.
     *
     * @param mayInterruptIfRunning ignored: a running request is never interrupted
     * @return true if the request was queued and is now cancelled (or was cancelled before); false if
     *     it has started or finished otherwise
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (state.compareAndSet(QUEUED, DONE)) {
            runFinishing();
            return super.cancel(mayInterruptIfRunning);
        }
        return isCancelled();
    }

    private void finish() {
        if (state.getAndSet(DONE) != DONE) {
            runFinishing();
        }
    }

    private void runFinishing() {
        List<Runnable> actions;
        synchronized (finishing) {
            finished = true;
            actions = List.copyOf(finishing);
            finishing.clear();
        }
        for (Runnable action : actions) {
            action.run();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) { // the value was never delivered, so no caller can be told
            log.warn("closing the undelivered result of an asynchronous request failed", e);
        }
    }
}
