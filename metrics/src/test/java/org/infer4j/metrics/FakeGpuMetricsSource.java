package org.infer4j.metrics;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/** A GPU source for tests: two devices whose values a test sets; counts reads; can fail on demand. */
final class FakeGpuMetricsSource implements GpuMetricsSource {
    final AtomicInteger reads = new AtomicInteger();
    final AtomicBoolean closed = new AtomicBoolean();
    volatile boolean failing;
    volatile boolean linkageFailing;
    volatile double utilization = 50;
    volatile double memoryUsedBytes = 4e9;
    volatile double temperature = 40;
    volatile long throttleMask = GpuThrottleReason.GPU_IDLE.bit();
    volatile ToDoubleFunction<Integer> power = device -> 100 + device;

    @Override
    public List<GpuDevice> devices() {
        return List.of(new GpuDevice(0, "Fake GPU A"), new GpuDevice(1, "Fake GPU B"));
    }

    @Override
    public void read(int deviceIndex, GpuReading reading) {
        if (closed.get()) {
            throw new AssertionError("read after close");
        }
        reads.incrementAndGet();
        if (failing) {
            throw new IllegalStateException("GPU is lost");
        }
        if (linkageFailing) {
            throw new UnsatisfiedLinkError("nvmlDeviceGetSamples missing from this NVML");
        }
        reading.set(GpuMetric.GPU_UTILIZATION, utilization);
        reading.set(GpuMetric.MEMORY_USED, memoryUsedBytes);
        reading.set(GpuMetric.MEMORY_TOTAL, 8e9);
        reading.set(GpuMetric.POWER, power.applyAsDouble(deviceIndex));
        reading.set(GpuMetric.TEMPERATURE, temperature);
        reading.set(GpuMetric.THROTTLE_REASONS, throttleMask);
        // SM clock, memory clock and memory-controller utilisation: not reported by this fake
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
