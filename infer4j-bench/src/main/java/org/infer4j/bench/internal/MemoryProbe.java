package org.infer4j.bench.internal;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuSampler;
import org.jspecify.annotations.Nullable;

/**
 * Reads what the soak watches for growth, in bytes: the process's resident set ({@code VmRSS} of
 * {@code /proc/self/status}; Linux only), JVM direct memory (the {@code direct} buffer pool, where
 * infer4j's host tensors live), heap in use now, heap in use after the latest garbage collection
 * (the live heap as of then: heap in use now rises and falls with every collection), and the GPU's
 * memory in use as NVML reports it (the whole device's, through the metrics module's {@link GpuSampler}).
 * A value that cannot be read here is null. Thread-safe; owns the GPU sampler.
 */
public final class MemoryProbe implements AutoCloseable {
    private static final Path PROC_STATUS = Path.of("/proc/self/status");
    private static final Duration FIRST_SAMPLE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * One reading; null where the value cannot be read here.
     *
     * @param rss the resident set size
     * @param direct JVM direct buffer memory in use
     * @param heapUsed heap in use now
     * @param heapAfterGc heap in use after the latest collection, or null before the first
     * @param gpuMemoryUsed the GPU's memory in use (all processes')
     */
    public record Reading(@Nullable Long rss, @Nullable Long direct, long heapUsed, @Nullable Long heapAfterGc,
                          @Nullable Long gpuMemoryUsed) {
    }

    private final @Nullable GpuSampler gpu;
    private final int device;
    private final @Nullable String gpuUnavailable;
    private final @Nullable BufferPoolMXBean directPool;
    private final Set<String> heapPools;

    private MemoryProbe(@Nullable GpuSampler gpu, int device, @Nullable String gpuUnavailable) {
        this.gpu = gpu;
        this.device = device;
        this.gpuUnavailable = gpuUnavailable;
        this.directPool = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElse(null);
        this.heapPools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * A probe that reads GPU {@code device}'s memory through a sampler from {@code samplers}, or
     * none where no GPU can be sampled ({@link #gpuUnavailableReason()} says why).
     *
     * @param samplers where GPU samplers come from (NVML in real runs)
     * @param period how often the sampler reads the GPU
     * @param device the NVML index of the GPU
     * @return the probe; close it to stop the sampler
     */
    public static MemoryProbe start(GpuSamplers samplers, Duration period, int device) {
        GpuSampler sampler = samplers.start(period);
        if (!sampler.isAvailable()) {
            String reason = sampler.unavailableReason();
            sampler.close();
            return new MemoryProbe(null, device, reason);
        }
        if (sampler.devices().stream().noneMatch(d -> d.index() == device)) {
            String reason = "GPU " + device + " is not among those NVML sees: " + sampler.devices();
            sampler.close();
            return new MemoryProbe(null, device, reason);
        }
        awaitFirstSample(sampler, device);
        return new MemoryProbe(sampler, device, null);
    }

    /**
     * Waits until the sampler has read the GPU once (or failed to), so that the first reading has the
     * GPU's memory; gives up after {@link #FIRST_SAMPLE_TIMEOUT}, which only a starved sampling thread needs.
     */
    private static void awaitFirstSample(GpuSampler sampler, int device) {
        long giveUpAt = System.nanoTime() + FIRST_SAMPLE_TIMEOUT.toNanos();
        while (sampler.sampleCount(device) == 0 && sampler.sampleErrors() == 0 && System.nanoTime() - giveUpAt < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Why GPU memory is not sampled, or null when it is. */
    public @Nullable String gpuUnavailableReason() {
        return gpuUnavailable;
    }

    /** Reads every value now. */
    public Reading read() {
        return new Reading(rss(), directPool != null ? directPool.getMemoryUsed() : null,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), heapAfterLatestGc(), gpuMemoryUsed());
    }

    private @Nullable Long gpuMemoryUsed() {
        if (gpu == null) {
            return null;
        }
        double used = gpu.latest(device, GpuMetric.MEMORY_USED);
        return Double.isNaN(used) ? null : (long) used;
    }

    private static @Nullable Long rss() {
        try {
            return Files.isReadable(PROC_STATUS) ? rssBytes(Files.readAllLines(PROC_STATUS)) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The {@code VmRSS} of a {@code /proc/PID/status} file's lines, in bytes.
     *
     * @param statusLines the file's lines
     * @return the resident set size, or null if no line gives it in kB
     */
    static @Nullable Long rssBytes(List<String> statusLines) {
        for (String line : statusLines) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                if (parts.length == 2 && parts[1].equals("kB")) {
                    try {
                        return Long.parseLong(parts[0]) * 1024;
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    /** The heap in use after the collection that ended last, of any collector; null before the first. */
    private @Nullable Long heapAfterLatestGc() {
        com.sun.management.GcInfo latest = null;
        for (var bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (bean instanceof com.sun.management.GarbageCollectorMXBean gc) {
                com.sun.management.GcInfo info = gc.getLastGcInfo();
                if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
                    latest = info;
                }
            }
        }
        if (latest == null) {
            return null;
        }
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : latest.getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        return used;
    }

    @Override
    public void close() {
        if (gpu != null) {
            gpu.close();
        }
    }
}
