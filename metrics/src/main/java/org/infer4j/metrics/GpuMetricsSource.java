package org.infer4j.metrics;

import java.util.List;

/**
 * Where a {@link GpuSampler} reads GPU metrics from: NVML on a GPU machine (the default), a fake in
 * tests, or another monitoring library an application prefers.
 *
 * <p>Thread-safety: the sampler calls {@link #read} from its one sampling thread only, and
 * {@link #close} after that thread has stopped; implementations need not be thread-safe.
 */
public interface GpuMetricsSource extends AutoCloseable {

    /** The GPUs this source can read, by index. */
    List<GpuDevice> devices();

    /**
     * Fills {@code reading} (already cleared to NaN) with the current values of device
     * {@code deviceIndex}. Utilisation should cover the time since the previous read, not a single
     * instant. Must not block for long: it runs on the sampling thread at every period.
     *
     * @throws RuntimeException if the device cannot be read now; the sampler counts it and goes on
     */
    void read(int deviceIndex, GpuReading reading);

    /** Releases what the source holds (NVML handles, native buffers). Called once. */
    @Override
    void close();
}
