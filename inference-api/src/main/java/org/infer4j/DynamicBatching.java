package org.infer4j;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How {@link EngineBuilder#dynamicBatching(DynamicBatching)} merges concurrent requests: into
 * batches of at most {@code maxBatch} along dimension 0, dispatched when full or when the oldest
 * request has waited {@code maxQueueDelay}, with at most {@code batchesInFlight} batches running
 * on the engine at once (while they run, the next batch fills). Immutable.
 *
 * @param maxBatch the largest merged batch, at least 1
 * @param maxQueueDelay the longest a request waits for others to join its batch, zero or more
 * @param batchesInFlight how many batches may run on the engine at once, at least 1 (default 2: one
 *        computes while the next is staged)
 * @param listener told of every batch and queue delay, for metrics; null for none
 */
public record DynamicBatching(int maxBatch, Duration maxQueueDelay, int batchesInFlight, @Nullable BatchListener listener) {
    /** Batches running on the engine at once unless set otherwise. */
    public static final int DEFAULT_BATCHES_IN_FLIGHT = 2;

    /**
     * @throws IllegalArgumentException if {@code maxBatch} or {@code batchesInFlight} is below 1 or the delay is negative
     */
    public DynamicBatching {
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, not " + maxBatch);
        }
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("maxQueueDelay must not be negative, not " + maxQueueDelay);
        }
        if (batchesInFlight < 1) {
            throw new IllegalArgumentException("batchesInFlight must be >= 1, not " + batchesInFlight);
        }
    }

    /** Batches of at most {@code maxBatch}, waiting at most {@code maxQueueDelay}, two in flight, no listener. */
    public static DynamicBatching of(int maxBatch, Duration maxQueueDelay) {
        return new DynamicBatching(maxBatch, maxQueueDelay, DEFAULT_BATCHES_IN_FLIGHT, null);
    }

    /** These settings with {@code batches} batches in flight. */
    public DynamicBatching withBatchesInFlight(int batches) {
        return new DynamicBatching(maxBatch, maxQueueDelay, batches, listener);
    }

    /** These settings telling {@code batchListener} of every batch. */
    public DynamicBatching withListener(BatchListener batchListener) {
        return new DynamicBatching(maxBatch, maxQueueDelay, batchesInFlight, Objects.requireNonNull(batchListener, "batchListener"));
    }
}
