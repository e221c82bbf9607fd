package org.infer4j;

/**
 * Hears what {@link DynamicBatching} does, for metrics: how large the batches are and how long
 * requests wait in the queue. The {@code metrics} module records both as histograms
 * ({@code org.infer4j.metrics.micrometer.BatchingMetrics}).
 *
 * <p>Called on the batching thread, once per batch before it is handed to the engine: keep it
 * short, thread-safe and free of exceptions (one thrown is logged and ignored).
 */
public interface BatchListener {

    /**
     * A batch is handed to the engine.
     *
     * @param requests how many requests it merges, at least 1
     * @param batchSize its size along the batch dimension: the sum of the requests' sizes
     */
    void onBatch(int requests, long batchSize);

    /**
     * A request leaves the queue in a batch.
     *
     * @param nanos how long it waited, from {@code runAsync} or {@code run} to its batch's dispatch
     */
    void onQueueDelay(long nanos);
}
