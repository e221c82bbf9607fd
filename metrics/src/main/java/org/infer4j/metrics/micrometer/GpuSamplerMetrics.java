package org.infer4j.metrics.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import org.infer4j.metrics.GpuDevice;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuSampler;

/**
 * Exposes a {@link GpuSampler}'s latest values as Micrometer gauges named {@code infer4j.gpu.<metric>}
 * (e.g. {@code infer4j.gpu.power_watts}), tagged {@code gpu} (index) and {@code gpu.name}, plus the
 * counter {@code infer4j.gpu.sample.errors}. A gauge reads NaN for a metric the GPU does not report,
 * and once the sampler is closed. An unavailable sampler binds nothing but the error counter.
 *
 * <p>Thread-safety: the gauges may be read from any thread.
 */
public final class GpuSamplerMetrics implements MeterBinder {
    private final GpuSampler sampler;
    private final Tags tags;

    public GpuSamplerMetrics(GpuSampler sampler, Iterable<io.micrometer.core.instrument.Tag> extraTags) {
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.tags = Tags.of(extraTags);
    }

    public GpuSamplerMetrics(GpuSampler sampler) {
        this(sampler, Tags.empty());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("infer4j.gpu.sample.errors", sampler, s -> read(() -> s.sampleErrors()))
                .description("GPU reads that failed")
                .tags(tags)
                .register(registry);
        if (!sampler.isAvailable()) {
            return;
        }
        for (GpuDevice device : sampler.devices()) {
            Tags deviceTags = tags.and("gpu", Integer.toString(device.index()), "gpu.name", device.name());
            for (GpuMetric metric : GpuMetric.values()) {
                if (!metric.isNumeric()) {
                    continue;
                }
                Gauge.builder("infer4j.gpu." + metric.key(), sampler,
                                s -> read(() -> s.latest(device.index(), metric)))
                        .tags(deviceTags)
                        .register(registry);
            }
        }
    }

    private static double read(java.util.function.DoubleSupplier value) {
        try {
            return value.getAsDouble();
        } catch (IllegalStateException closed) {
            return Double.NaN;
        }
    }
}
