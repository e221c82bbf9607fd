package org.infer4j.metrics;

/**
 * What a {@link GpuSampler} reads from each GPU, with the key and unit it has in JSON.
 *
 * <p>Utilisation is the percentage of time over the sample period in which a kernel ran
 * ({@link #GPU_UTILIZATION}) or device memory was read or written ({@link #MEMORY_CONTROLLER_UTILIZATION}),
 * as NVML defines it. {@link #THROTTLE_REASONS} holds NVML's bit mask of clock event reasons
 * ({@code nvmlClocksEventReason*}); see {@link GpuThrottleReason}.
 */
public enum GpuMetric {
    GPU_UTILIZATION("gpu_utilization_percent"),
    MEMORY_CONTROLLER_UTILIZATION("memory_controller_utilization_percent"),
    MEMORY_USED("memory_used_bytes"),
    MEMORY_TOTAL("memory_total_bytes"),
    /** {@link #MEMORY_USED} as a percentage of {@link #MEMORY_TOTAL}; the sampler derives it. */
    MEMORY_USED_PERCENT("memory_used_percent"),
    POWER("power_watts"),
    TEMPERATURE("temperature_celsius"),
    SM_CLOCK("sm_clock_mhz"),
    MEMORY_CLOCK("memory_clock_mhz"),
    THROTTLE_REASONS("throttle_reasons_mask");

    private final String key;

    GpuMetric(String key) {
        this.key = key;
    }

    /** The JSON key, with the unit in it, e.g. {@code power_watts}. */
    public String key() {
        return key;
    }

    /** Whether min, mean, max and p95 mean something (not for a bit mask). */
    public boolean isNumeric() {
        return this != THROTTLE_REASONS;
    }
}
