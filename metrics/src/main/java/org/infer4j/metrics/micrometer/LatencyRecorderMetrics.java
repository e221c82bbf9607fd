package org.infer4j.metrics.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.infer4j.metrics.LatencyRecorder;
import org.infer4j.metrics.LatencySnapshot;

/**
 * Exposes a {@link LatencyRecorder} as Micrometer meters named {@code <name>.count} (function counter),
 * {@code <name>.mean}, {@code <name>.max} and {@code <name>.p50}, {@code .p90}, {@code .p95}, {@code .p99},
 * {@code .p999} (time gauges, in the registry's base time unit) and {@code <name>.throughput} (per second).
 * They describe everything since the recorder's creation or last reset.
 *
 * <p>Reading a meter takes a recorder snapshot at most once per {@code maxAge} (default one second), so
 * a registry publishing many meters at once copies the histogram once, not once per meter.
 *
 * <p>Thread-safety: the meters may be read from any thread.
 */
public final class LatencyRecorderMetrics implements MeterBinder {
    private final LatencyRecorder recorder;
    private final String name;
    private final Iterable<Tag> tags;
    private final long maxAgeNanos;
    private volatile CachedSnapshot cached;

    private record CachedSnapshot(LatencySnapshot snapshot, long takenNanos) {}

    public LatencyRecorderMetrics(LatencyRecorder recorder, String name, Iterable<Tag> tags, Duration maxAge) {
        this.recorder = Objects.requireNonNull(recorder, "recorder");
        this.name = Objects.requireNonNull(name, "name");
        this.tags = Tags.of(tags);
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative, got " + maxAge);
        }
        this.maxAgeNanos = maxAge.toNanos();
        this.cached = new CachedSnapshot(recorder.snapshot(), System.nanoTime());
    }

    /** Meters named {@code name}, e.g. {@code infer4j.inference.latency}, refreshed at most once a second. */
    public LatencyRecorderMetrics(LatencyRecorder recorder, String name) {
        this(recorder, name, Tags.empty(), Duration.ofSeconds(1));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(name + ".count", this, m -> m.snapshot().measuredCount())
                .description("latencies recorded").tags(tags).register(registry);
        timeGauge(registry, "mean", LatencySnapshot::mean);
        timeGauge(registry, "max", LatencySnapshot::max);
        timeGauge(registry, "p50", LatencySnapshot::p50);
        timeGauge(registry, "p90", LatencySnapshot::p90);
        timeGauge(registry, "p95", LatencySnapshot::p95);
        timeGauge(registry, "p99", LatencySnapshot::p99);
        timeGauge(registry, "p999", LatencySnapshot::p999);
        Gauge.builder(name + ".throughput", this, m -> m.snapshot().throughputPerSecond())
                .description("latencies recorded per second over the recording window")
                .baseUnit("operations/s").tags(tags).register(registry);
    }

    private void timeGauge(MeterRegistry registry, String statistic, ToDoubleFunction<LatencySnapshot> nanos) {
        TimeGauge.builder(name + "." + statistic, this, TimeUnit.NANOSECONDS, m -> nanos.applyAsDouble(m.snapshot()))
                .tags(tags).register(registry);
    }

    private LatencySnapshot snapshot() {
        CachedSnapshot current = cached;
        long now = System.nanoTime();
        if (now - current.takenNanos() > maxAgeNanos) {
            current = new CachedSnapshot(recorder.snapshot(), now);
            cached = current;
        }
        return current.snapshot();
    }
}
