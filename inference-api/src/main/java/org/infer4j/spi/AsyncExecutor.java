package org.infer4j.spi;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.infer4j.EngineClosedException;
import org.infer4j.InferenceException;

/**
 * The queue and threads behind an engine's asynchronous calls.
 *
 * <ul>
 *   <li><b>Back-pressure.</b> At most {@code maxInFlight} requests are accepted and not yet
 *       finished; {@link #submit} waits for room beyond that, so a producer faster than the engine
 *       is slowed down instead of queueing without bound.</li>
 *   <li><b>Order.</b> Requests start in the order they were submitted, on {@code threads} worker
 *       threads; how many run at once is up to those threads and to the work.</li>
 *   <li><b>Shutdown.</b> {@link #shutdown()} refuses later submissions and fails every request
 *       still queued with {@link EngineClosedException}; requests already started are left to
 *       finish. {@link #stop()} then lets the threads end.</li>
 * </ul>
 *
 * <p>Threads are daemon threads named after the engine, started by the constructor. Backends may
 * start further threads through {@link #startCompletionThread}: threads that complete requests
 * whose work runs elsewhere (on a GPU), which an engine must not wait for from inside themselves.
 * Thread-safe.
 */
public final class AsyncExecutor {
    private final String what;
    private final int maxInFlight;
    private final Semaphore room;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition queuedOrStopped = lock.newCondition();
    private final ArrayDeque<AsyncRequest<?>> queue = new ArrayDeque<>();
    private final Set<Thread> completionThreads = ConcurrentHashMap.newKeySet();
    private volatile boolean shutDown;
    private boolean stopped; // guarded by lock

    /**
     * @param what how messages name the engine, e.g. {@code "the ort-cpu engine for model.onnx"}
     * @param threads the worker threads that start requests, at least 1
     * @param maxInFlight the most requests accepted and not finished, at least 1
     * @throws IllegalArgumentException if {@code threads} or {@code maxInFlight} is below 1
     */
    public AsyncExecutor(String what, int threads, int maxInFlight) {
        this.what = Objects.requireNonNull(what, "what");
        if (threads < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("threads and maxInFlight must be >= 1, not " + threads + " and " + maxInFlight);
        }
        this.maxInFlight = maxInFlight;
        this.room = new Semaphore(maxInFlight);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::work, "infer4j-async-" + (i + 1) + " (" + what + ")");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * Queues a request that runs {@code work} on a worker thread, waiting first while
     * {@code maxInFlight} requests are in flight.
     *
     * @return the request's future; cancelling it while it is queued keeps it from running
     * @throws IllegalStateException if {@link #shutdown()} has begun
     * @throws InferenceException if the calling thread is interrupted while waiting for room (its
     *         interrupt flag stays set)
     */
    public <T> AsyncRequest<T> submit(AsyncRequest.AsyncWork<T> work) {
        Objects.requireNonNull(work, "work");
        ensureOpen();
        try {
            room.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException("interrupted while waiting for room among the " + maxInFlight
                    + " requests in flight of " + what, e);
        }
        AsyncRequest<T> request = new AsyncRequest<>(work);
        request.whenFinishing(room::release);
        lock.lock();
        try {
            if (shutDown) {
                room.release(); // passes the wake-up on to the next submitter waiting for room
                throw closed();
            }
            queue.add(request);
            queuedOrStopped.signal();
        } finally {
            lock.unlock();
        }
        return request;
    }

    /** How many requests are accepted and not finished: queued or running. */
    public int inFlight() {
        return shutDown ? 0 : maxInFlight - room.availablePermits();
    }

    /**
     * Refuses later submissions and fails every queued request with {@link EngineClosedException};
     * requests that have started are not touched. Idempotent.
     */
    public void shutdown() {
        List<AsyncRequest<?>> pending;
        lock.lock();
        try {
            if (shutDown) {
                return;
            }
            shutDown = true;
            pending = new ArrayList<>(queue);
            queue.clear();
        } finally {
            lock.unlock();
        }
        for (AsyncRequest<?> r : pending) {
            r.abandon(new EngineClosedException(what + " was closed before this request started; it did not run"));
        }
        room.release(); // wakes a submitter waiting for room, which passes it on after refusing itself
    }

    /** After {@link #shutdown()}: lets the worker threads end once idle; does not wait for them. */
    public void stop() {
        lock.lock();
        try {
            stopped = true;
            queuedOrStopped.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts a daemon thread running {@code loop} and remembers it as a completion thread (see the
     * class documentation).
     *
     * @param role a word for the thread's name, e.g. {@code "completer"}
     */
    public Thread startCompletionThread(String role, Runnable loop) {
        Thread t = new Thread(() -> {
            try {
                loop.run();
            } finally {
                completionThreads.remove(Thread.currentThread());
            }
        }, "infer4j-" + role + " (" + what + ")");
        t.setDaemon(true);
        completionThreads.add(t);
        t.start();
        return t;
    }

    /** Whether the calling thread is one of {@link #startCompletionThread}'s, still running. */
    public boolean isCompletionThread() {
        return completionThreads.contains(Thread.currentThread());
    }

    private void ensureOpen() {
        if (shutDown) {
            throw closed();
        }
    }

    private IllegalStateException closed() {
        return new IllegalStateException(what + " is closed");
    }

    private void work() {
        while (true) {
            AsyncRequest<?> next;
            lock.lock();
            try {
                while (queue.isEmpty() && !stopped) {
                    queuedOrStopped.awaitUninterruptibly();
                }
                next = queue.poll();
            } finally {
                lock.unlock();
            }
            if (next == null) {
                return; // stopped and nothing queued
            }
            next.start(); // does nothing for a request cancelled while queued
        }
    }
}
