package org.infer4j.metrics.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchingMetricsTest {

    @Test
    void recordsBatchSizesRequestsPerBatchAndQueueDelaysAsHistograms() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BatchingMetrics metrics = new BatchingMetrics("serve.batching", Tags.of("model", "resnet50"));
        metrics.bindTo(registry);

        metrics.onBatch(3, 8);
        metrics.onBatch(1, 4);
        metrics.onQueueDelay(2_000_000);
        metrics.onQueueDelay(4_000_000);

        DistributionSummary sizes = registry.get("serve.batching.batch.size").tag("model", "resnet50").summary();
        assertThat(sizes.count()).isEqualTo(2);
        assertThat(sizes.totalAmount()).isEqualTo(12);
        assertThat(sizes.max()).isEqualTo(8);
        DistributionSummary requests = registry.get("serve.batching.batch.requests").summary();
        assertThat(requests.totalAmount()).isEqualTo(4);
        Timer delays = registry.get("serve.batching.queue.delay").timer();
        assertThat(delays.count()).isEqualTo(2);
        assertThat(delays.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(6);
    }

    @Test
    void recordsIntoEveryRegistryItIsBoundTo() {
        SimpleMeterRegistry first = new SimpleMeterRegistry();
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        BatchingMetrics metrics = new BatchingMetrics();
        metrics.onBatch(1, 1); // before binding: not kept
        metrics.bindTo(first);
        metrics.bindTo(second);
        metrics.onBatch(2, 5);
        assertThat(first.get("infer4j.batching.batch.size").summary().count()).isEqualTo(1);
        assertThat(second.get("infer4j.batching.batch.size").summary().totalAmount()).isEqualTo(5);
    }
}
