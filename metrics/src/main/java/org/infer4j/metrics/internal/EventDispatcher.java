package org.infer4j.metrics.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.infer4j.metrics.GpuThresholdEvent;
import org.infer4j.metrics.GpuThresholdListener;

/**
 * Delivers threshold events to their listeners on a thread of its own, so that a slow or failing listener
 * can never stall sampling: the sampling thread only offers to a bounded queue and, when it is full,
 * counts the event as dropped.
 *
 * <p>Thread-safety: {@link #offer} from the sampling thread; the counters from any thread.
 */
public final class EventDispatcher implements AutoCloseable {
    public static final int QUEUE_CAPACITY = 256;

    private record Delivery(GpuThresholdListener listener, GpuThresholdEvent event) {}

    private final BlockingQueue<Delivery> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong listenerFailures = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;

    public EventDispatcher(String threadName) {
        this.thread = new Thread(this::deliver, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code event} for {@code listener} without blocking; drops and counts it if the queue is full. */
    public void offer(GpuThresholdListener listener, GpuThresholdEvent event) {
        if (!queue.offer(new Delivery(listener, event))) {
            dropped.incrementAndGet();
        }
    }

    public long dropped() {
        return dropped.get();
    }

    public long listenerFailures() {
        return listenerFailures.get();
    }

    private void deliver() {
        while (!closed) {
            Delivery delivery;
            try {
                delivery = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                delivery.listener().onThresholdEvent(delivery.event());
            } catch (RuntimeException e) {
                listenerFailures.incrementAndGet();
            }
        }
    }

    /**
     * Stops delivering: events still queued are discarded. Waits up to a second for a listener call in
     * progress to return.
     */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isDelivering() {
        return thread.isAlive();
    }
}
