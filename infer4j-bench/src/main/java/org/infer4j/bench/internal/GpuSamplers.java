package org.infer4j.bench.internal;

import java.time.Duration;
import org.infer4j.metrics.GpuSampler;
import org.jspecify.annotations.Nullable;

/**
 * Starts the {@link GpuSampler}s the benchmark and the GPU trace use: NVML in real runs
 * ({@link #NVML}), a fake source in tests. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface GpuSamplers {

    /** Samplers reading NVML, every GPU it sees. */
    GpuSamplers NVML = GpuSampler::start;

    /** A started sampler with this period; unavailable (never throwing) where no GPU can be read. */
    GpuSampler start(Duration period);

    /**
     * Why no GPU can be sampled here, or null when one can: starts a sampler and closes it again.
     * For {@link #NVML} the answer is cached, since NVML does not come or go while the JVM runs.
     */
    default @Nullable String unavailableReason() {
        if (this == NVML) {
            return NvmlProbe.REASON;
        }
        return probe(this);
    }

    static @Nullable String probe(GpuSamplers samplers) {
        try (GpuSampler sampler = samplers.start(GpuSampler.DEFAULT_PERIOD)) {
            return sampler.isAvailable() ? null : sampler.unavailableReason();
        }
    }
}

/** The NVML probe, run once on first use. */
final class NvmlProbe {
    static final @Nullable String REASON = GpuSamplers.probe(GpuSamplers.NVML);

    private NvmlProbe() {
    }
}
