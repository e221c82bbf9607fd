package org.infer4j.metrics;

import java.util.Objects;

/**
 * One GPU a {@link GpuMetricsSource} reads: its index (NVML's, which follows PCI bus order and may
 * differ from CUDA's unless {@code CUDA_DEVICE_ORDER=PCI_BUS_ID}) and its name. Immutable.
 */
public record GpuDevice(int index, String name) {
    public GpuDevice {
        if (index < 0) {
            throw new IllegalArgumentException("device index must not be negative, got " + index);
        }
        Objects.requireNonNull(name, "name");
    }
}
