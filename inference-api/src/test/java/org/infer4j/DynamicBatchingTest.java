package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link EngineBuilder#dynamicBatching} promises, on a fake engine that counts its calls and
 * their batch sizes. Batches are dispatched full here (the queue delay is an hour), so that how
 * requests are merged never depends on timing.
 */
class DynamicBatchingTest {
    private static final Duration NEVER = Duration.ofHours(1);

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        toClose.add(resource);
        return resource;
    }

    private static void assertDoubled(CompletableFuture<Outputs> future, float first, int rows) {
        try (Outputs out = future.join()) {
            assertThat(out.get("y").shape()).isEqualTo(Shape.of(rows, 2));
            assertThat(out.get("y").toFloatArray()).containsExactly(GatedEngine.doubled(first, rows));
        }
    }

    @Test
    void concurrentRequestsAreMergedIntoOneCallAndTheOutputsSplitBack() {
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = track(provider.builder().dynamicBatching(8, NEVER).build());
        List<CompletableFuture<Outputs>> futures = new ArrayList<>();
        int[] rows = {1, 3, 2, 1, 1};
        for (int i = 0; i < rows.length; i++) {
            futures.add(engine.runAsync(Map.of("x", track(GatedEngine.rows(10 * i, rows[i])))));
        }
        for (int i = 0; i < rows.length; i++) {
            assertDoubled(futures.get(i), 10 * i, rows[i]);
        }
        assertThat(provider.on(0).batchSizes).containsExactly(8L);
        assertThat(engine.stats().counters()).containsEntry("batching.requests", 5L).containsEntry("batching.batches", 1L)
                .containsEntry("batching.samples", 8L).containsEntry("batching.maxBatch", 8L);
    }

    @Test
    void synchronousCallersFromManyThreadsShareOneBatch() throws Exception {
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = track(provider.builder().dynamicBatching(4, NEVER).build());
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int first = 100 * i;
                results.add(callers.submit(() -> {
                    try (Tensor x = GatedEngine.rows(first, 1); Outputs out = engine.run(Map.of("x", x))) {
                        return out.get("y").toFloatArray();
                    }
                }));
            }
            for (int i = 0; i < 4; i++) {
                assertThat(results.get(i).get()).containsExactly(GatedEngine.doubled(100 * i, 1));
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(provider.on(0).calls).hasValue(1);
    }

    @Test
    void aBatchNeverExceedsMaxBatchAndALargerRequestRunsAlone() {
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = track(provider.builder().dynamicBatching(4, NEVER).build());
        int[] rows = {3, 2, 2, 6, 1, 1, 1, 1};
        List<CompletableFuture<Outputs>> futures = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            futures.add(engine.runAsync(Map.of("x", track(GatedEngine.rows(i, rows[i])))));
        }
        for (int i = 0; i < rows.length; i++) {
            assertDoubled(futures.get(i), i, rows[i]);
        }
        // 3 (the 2 after it does not fit), 2 + 2, 6 alone (more than maxBatch), 1 + 1 + 1 + 1
        assertThat(provider.on(0).batchSizes).containsExactlyInAnyOrder(3L, 4L, 6L, 4L);
    }

    @Test
    void requestsOfOtherNonBatchShapesAreNeverMergedTogether() {
        GatedProvider provider = new GatedProvider(1, -1);
        InferenceEngine engine = track(provider.builder().dynamicBatching(3, NEVER).build());
        List<CompletableFuture<Outputs>> futures = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int width = i % 2 == 0 ? 2 : 5;
            float[] x = new float[width];
            for (int j = 0; j < width; j++) {
                x[j] = i * 10 + j;
            }
            float[] y = x.clone();
            for (int j = 0; j < width; j++) {
                y[j] *= 2;
            }
            expected.add(y);
            futures.add(engine.runAsync(Map.of("x", track(Tensor.of(x, 1, width)))));
        }
        for (int i = 0; i < 6; i++) {
            try (Outputs out = futures.get(i).join()) {
                assertThat(out.get("y").toFloatArray()).containsExactly(expected.get(i));
            }
        }
        assertThat(provider.on(0).shapes).containsExactlyInAnyOrder(Shape.of(3, 2), Shape.of(3, 5));
    }

    @Test
    void aRequestThatDoesNotFitTheModelFailsAloneAndNeverJoinsABatch() {
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = track(provider.builder().dynamicBatching(3, NEVER).build());
        Tensor tooWide = track(Tensor.of(new float[3], 1, 3));
        Tensor ints = track(Tensor.of(new int[2], 1, 2));
        CompletableFuture<Outputs> first = engine.runAsync(Map.of("x", track(GatedEngine.rows(1, 1))));
        CompletableFuture<Outputs> wrongShape = engine.runAsync(Map.of("x", tooWide));
        CompletableFuture<Outputs> wrongType = engine.runAsync(Map.of("x", ints));
        CompletableFuture<Outputs> second = engine.runAsync(Map.of("x", track(GatedEngine.rows(2, 1))));
        CompletableFuture<Outputs> third = engine.runAsync(Map.of("x", track(GatedEngine.rows(3, 1))));

        assertThatThrownBy(wrongShape::join).cause().isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("dimension 1 is 3, expected 2");
        assertThatThrownBy(wrongType::join).cause().isInstanceOf(InvalidInputException.class).hasMessageContaining("INT32");
        assertDoubled(first, 1, 1);
        assertDoubled(second, 2, 1);
        assertDoubled(third, 3, 1);
        assertThat(provider.on(0).batchSizes).containsExactly(3L);
    }

    @Test
    void aBatchTheEngineRefusesIsRunAgainRequestByRequestSoOnlyTheFaultyOneFails() {
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = track(provider.builder().dynamicBatching(3, NEVER).build());
        CompletableFuture<Outputs> good1 = engine.runAsync(Map.of("x", track(GatedEngine.rows(1, 1))));
        CompletableFuture<Outputs> negative = engine.runAsync(Map.of("x", track(GatedEngine.rows(-7, 1))));
        CompletableFuture<Outputs> good2 = engine.runAsync(Map.of("x", track(GatedEngine.rows(2, 1))));

        assertThatThrownBy(negative::join).cause().isInstanceOf(InvalidInputException.class).hasMessageContaining("negative");
        assertDoubled(good1, 1, 1);
        assertDoubled(good2, 2, 1);
        assertThat(provider.on(0).batchSizes).containsExactlyInAnyOrder(3L, 1L, 1L, 1L);
        assertThat(engine.stats().counter("batching.retriedAlone")).isEqualTo(3);
    }

    @Test
    void aLoneRequestGoesOnceTheQueueDelayHasPassed() {
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = track(provider.builder().dynamicBatching(8, Duration.ofMillis(1)).build());
        assertDoubled(engine.runAsync(Map.of("x", track(GatedEngine.rows(4, 2)))), 4, 2);
        assertThat(provider.on(0).batchSizes).containsExactly(2L);
    }

    @Test
    void theListenerHearsEveryBatchSizeAndQueueDelay() {
        List<long[]> batches = new CopyOnWriteArrayList<>();
        List<Long> delays = new CopyOnWriteArrayList<>();
        BatchListener listener = new BatchListener() {
            @Override
            public void onBatch(int requests, long batchSize) {
                batches.add(new long[] {requests, batchSize});
            }

            @Override
            public void onQueueDelay(long nanos) {
                delays.add(nanos);
            }
        };
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = track(provider.builder().dynamicBatching(DynamicBatching.of(4, NEVER).withListener(listener)).build());
        List<CompletableFuture<Outputs>> futures = new ArrayList<>();
        for (int rows : new int[] {1, 3, 2, 2}) {
            futures.add(engine.runAsync(Map.of("x", track(GatedEngine.rows(0, rows)))));
        }
        futures.forEach(f -> f.join().close());
        assertThat(batches).containsExactly(new long[] {2, 4}, new long[] {2, 4});
        assertThat(delays).hasSize(4).allSatisfy(nanos -> assertThat(nanos).isNotNegative());
    }

    @Test
    void aQueuedRequestCanBeCancelledAndNeverRuns() {
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = track(provider.builder().dynamicBatching(2, NEVER).build());
        CompletableFuture<Outputs> cancelled = engine.runAsync(Map.of("x", track(GatedEngine.rows(9, 1))));
        assertThat(cancelled.cancel(false)).isTrue();
        CompletableFuture<Outputs> a = engine.runAsync(Map.of("x", track(GatedEngine.rows(1, 1))));
        CompletableFuture<Outputs> b = engine.runAsync(Map.of("x", track(GatedEngine.rows(2, 1))));
        assertDoubled(a, 1, 1);
        assertDoubled(b, 2, 1);
        assertThat(cancelled).isCancelled();
        assertThat(provider.on(0).shapes).containsExactly(Shape.of(2, 2));
    }

    @Test
    void closeFailsQueuedRequestsTypedAndClosesTheEngine() {
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = provider.builder().dynamicBatching(4, NEVER).build();
        Tensor x = track(GatedEngine.rows(0, 1));
        CompletableFuture<Outputs> a = engine.runAsync(Map.of("x", x));
        CompletableFuture<Outputs> b = engine.runAsync(Map.of("x", x));
        engine.close();
        assertThatThrownBy(a::join).cause().isInstanceOf(EngineClosedException.class).hasMessageContaining("did not run");
        assertThatThrownBy(b::join).cause().isInstanceOf(EngineClosedException.class);
        assertThat(provider.on(0).released).isTrue();
        assertThat(provider.on(0).calls).hasValue(0);
        assertThatThrownBy(() -> engine.runAsync(Map.of("x", x))).isInstanceOf(IllegalStateException.class);
        engine.close();
    }

    @Test
    void batchesRunningWhenTheEngineClosesComplete() throws Exception {
        GatedProvider provider = new GatedProvider(1, 2);
        InferenceEngine engine = provider.builder().dynamicBatching(1, NEVER).build();
        CompletableFuture<Outputs> a = engine.runAsync(Map.of("x", track(GatedEngine.rows(1, 1))));
        a.join().close();
        provider.on(0).closeGate();
        CompletableFuture<Outputs> b = engine.runAsync(Map.of("x", track(GatedEngine.rows(2, 1))));
        provider.on(0).awaitStarted(2); // a's call and b's
        Thread closer = new Thread(engine::close);
        closer.start();
        provider.on(0).open(1);
        closer.join();
        assertDoubled(b, 2, 1);
        assertThat(provider.on(0).released).isTrue();
    }

    @Test
    void aModelWithoutADynamicFirstDimensionCannotBeBatched() {
        GatedProvider provider = new GatedProvider(1, 2) {
            @Override
            public InferenceEngine create(org.infer4j.spi.EngineConfig config) {
                GatedEngine fixed = new GatedEngine(0, 4, Shape.of(-1, 2), Shape.of(1, 2));
                made.add(fixed);
                return fixed;
            }
        };
        assertThatThrownBy(() -> provider.builder().dynamicBatching(4, NEVER).build()).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("output y: FLOAT32[1, 2] has a fixed one");
        assertThat(provider.on(0).released).as("the engine built is closed").isTrue();
    }

    @Test
    void maxBatchBeyondTheEnginesShapeRangeIsRefusedAtBuildTime() {
        GatedProvider provider = new GatedProvider(1, 2) {
            @Override
            public InferenceEngine create(org.infer4j.spi.EngineConfig config) {
                GatedEngine ranged = new GatedEngine(0, 4, 2).accepting(ShapeRange.of(new long[] {1, 2}, new long[] {4, 2},
                        new long[] {16, 2}));
                made.add(ranged);
                return ranged;
            }
        };
        assertThatThrownBy(() -> provider.builder().dynamicBatching(32, NEVER).build()).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("up to 32 rows").hasMessageContaining("'x' is min [1, 2], optimal [4, 2], max [16, 2]");
        InferenceEngine engine = track(provider.builder().dynamicBatching(16, NEVER).build());
        assertThatThrownBy(() -> engine.runAsync(Map.of("x", track(GatedEngine.rows(0, 17)))).join()).cause()
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("max [16, 2]");
    }

    @Test
    void settingsThatCanNeverBeRightAreRefused() {
        assertThatThrownBy(() -> DynamicBatching.of(0, NEVER)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DynamicBatching.of(4, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DynamicBatching.of(4, NEVER).withBatchesInFlight(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
