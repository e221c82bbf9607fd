package org.infer4j.metrics.micrometer;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.infer4j.BatchListener;

/**
 * Records what dynamic batching does as Micrometer histograms: {@code <name>.batch.size} (rows per
 * batch handed to the engine), {@code <name>.batch.requests} (requests merged per batch) and
 * {@code <name>.queue.delay} (a timer: how long each request waited for its batch), each with a
 * percentile histogram for the registry to publish. Pass it to the engine as the batching listener
 * and bind it to one or more registries:
 *
 * <pre>{@code
 * BatchingMetrics metrics = new BatchingMetrics();
 * metrics.bindTo(registry);
 * InferenceEngine engine = InferenceEngine.builder().model(path)
 *         .dynamicBatching(DynamicBatching.of(32, Duration.ofMillis(2)).withListener(metrics)).build();
 * }</pre>
 *
 * <p>Events before the first {@link #bindTo} are not kept. Thread-safe; recording allocates nothing.
 * Needs {@code org.infer4j:inference-api} and Micrometer on the class path (optional dependencies of
 * this module).
 */
public final class BatchingMetrics implements BatchListener, MeterBinder {
    private final String name;
    private final Iterable<Tag> tags;
    private final List<DistributionSummary> sizes = new CopyOnWriteArrayList<>();
    private final List<DistributionSummary> requests = new CopyOnWriteArrayList<>();
    private final List<Timer> delays = new CopyOnWriteArrayList<>();

    /**
     * @param name the meters' name prefix, e.g. {@code infer4j.batching}
     * @param tags added to every meter, e.g. the model's name
     */
    public BatchingMetrics(String name, Iterable<Tag> tags) {
        this.name = Objects.requireNonNull(name, "name");
        this.tags = Tags.of(tags);
    }

    /** Meters named {@code infer4j.batching.*}, without tags. */
    public BatchingMetrics() {
        this("infer4j.batching", Tags.empty());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        sizes.add(DistributionSummary.builder(name + ".batch.size").description("rows per batch handed to the engine")
                .baseUnit("rows").publishPercentileHistogram().tags(tags).register(registry));
        requests.add(DistributionSummary.builder(name + ".batch.requests").description("requests merged per batch")
                .baseUnit("requests").publishPercentileHistogram().tags(tags).register(registry));
        delays.add(Timer.builder(name + ".queue.delay").description("time a request waited in the queue for its batch")
                .publishPercentileHistogram().tags(tags).register(registry));
    }

    @Override
    public void onBatch(int requestCount, long batchSize) {
        for (DistributionSummary s : sizes) {
            s.record(batchSize);
        }
        for (DistributionSummary s : requests) {
            s.record(requestCount);
        }
    }

    @Override
    public void onQueueDelay(long nanos) {
        for (Timer t : delays) {
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
