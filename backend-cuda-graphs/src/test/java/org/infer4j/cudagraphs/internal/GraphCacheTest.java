package org.infer4j.cudagraphs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GraphCacheTest {

    /** Records what the cache asks for; graphs are the shapes they were captured for. */
    static final class FakeExecutor implements GraphCache.Executor<String> {
        final List<String> calls = new ArrayList<>();
        final Set<String> live = new HashSet<>();
        String currentShape = "";
        Set<String> failingShapes = Set.of();

        @Override
        public String capture() throws GraphCache.CaptureFailedException {
            if (failingShapes.contains(currentShape)) {
                throw new GraphCache.CaptureFailedException("operation not permitted when stream is capturing");
            }
            calls.add("capture " + currentShape);
            live.add(currentShape);
            return currentShape;
        }

        @Override
        public void replay(String graph) {
            assertThat(graph).as("a replay uses the graph of the current shape").isEqualTo(currentShape);
            calls.add("replay " + graph);
        }

        @Override
        public void runUncaptured() {
            calls.add("plain " + currentShape);
        }

        @Override
        public void destroy(String graph) {
            calls.add("destroy " + graph);
            live.remove(graph);
        }

        void run(GraphCache<String> cache, long... batchAndSeq) {
            currentShape = batchAndSeq[0] + "x" + batchAndSeq[1];
            cache.run(new long[] {2, batchAndSeq[0], batchAndSeq[1]}, this);
        }
    }

    @Test
    void capturesOnFirstUseOfAShapeAndReplaysAfterwards() {
        GraphCache<String> cache = new GraphCache<>(4, "test");
        FakeExecutor ex = new FakeExecutor();
        ex.run(cache, 1, 128);
        ex.run(cache, 1, 128);
        ex.run(cache, 1, 128);
        assertThat(ex.calls).containsExactly("capture 1x128", "replay 1x128", "replay 1x128", "replay 1x128");
        assertThat(cache.stats().captures()).isEqualTo(1);
        assertThat(cache.stats().replays()).isEqualTo(3);
    }

    @Test
    void clearingDestroysEveryGraphKeepsTheCountersAndTheNextRunCapturesAgain() {
        GraphCache<String> cache = new GraphCache<>(4, "test");
        FakeExecutor ex = new FakeExecutor();
        ex.run(cache, 1, 32);
        ex.run(cache, 1, 128);
        ex.run(cache, 1, 128);
        cache.clear(ex);
        assertThat(ex.live).isEmpty();
        assertThat(cache.stats().cachedGraphs()).isZero();
        assertThat(cache.stats().captures()).isEqualTo(2);
        assertThat(cache.stats().replays()).isEqualTo(3);
        ex.calls.clear();
        ex.run(cache, 1, 128);
        assertThat(ex.calls).as("the last signature before the clear is captured again, not replayed")
                .containsExactly("capture 1x128", "replay 1x128");
        assertThat(cache.stats().captures()).isEqualTo(3);
    }

    @Test
    void aShapeChangeNeverReplaysAnotherShapesGraph() {
        GraphCache<String> cache = new GraphCache<>(4, "test");
        FakeExecutor ex = new FakeExecutor();
        ex.run(cache, 1, 32);
        ex.run(cache, 1, 128);
        ex.run(cache, 1, 32);
        ex.run(cache, 4, 256);
        ex.run(cache, 1, 128);
        assertThat(ex.calls).containsExactly("capture 1x32", "replay 1x32", "capture 1x128", "replay 1x128", "replay 1x32",
                "capture 4x256", "replay 4x256", "replay 1x128");
        assertThat(cache.stats().cachedGraphs()).isEqualTo(3);
    }

    @Test
    void evictsTheLeastRecentlyUsedGraphAndDestroysIt() {
        GraphCache<String> cache = new GraphCache<>(2, "test");
        FakeExecutor ex = new FakeExecutor();
        ex.run(cache, 1, 1);
        ex.run(cache, 1, 2);
        ex.run(cache, 1, 1); // 1x2 is now the least recently used
        ex.run(cache, 1, 3);
        assertThat(ex.calls).contains("destroy 1x2").doesNotContain("destroy 1x1");
        assertThat(ex.live).containsExactlyInAnyOrder("1x1", "1x3");
        assertThat(cache.stats().evictions()).isEqualTo(1);
        ex.run(cache, 1, 2);
        assertThat(ex.calls.subList(ex.calls.size() - 3, ex.calls.size()))
                .as("an evicted shape is captured anew; a failed capture would evict nothing")
                .containsExactly("capture 1x2", "destroy 1x1", "replay 1x2");
    }

    @Test
    void aShapeThatCannotBeCapturedRunsPlainFromThenOnAndIsReported() {
        GraphCache<String> cache = new GraphCache<>(2, "test");
        FakeExecutor ex = new FakeExecutor();
        ex.failingShapes = Set.of("1x7");
        ex.run(cache, 1, 7);
        ex.run(cache, 1, 8);
        ex.run(cache, 1, 7);
        ex.run(cache, 1, 7);
        assertThat(ex.calls).containsExactly("plain 1x7", "capture 1x8", "replay 1x8", "plain 1x7", "plain 1x7");
        GraphCache.GraphStats stats = cache.stats();
        assertThat(stats.uncapturedRuns()).isEqualTo(3);
        assertThat(stats.uncapturableShapes()).containsOnlyKeys("[1x7]");
        assertThat(stats.uncapturableShapes().get("[1x7]")).contains("stream is capturing");
    }

    /**
     * The execution context's signatures carry addresses after the shapes (a page-locked tensor's
     * address, say); an uncapturable one must still be reported, as its numbers, not break stats().
     */
    @Test
    void anUncapturableSignatureWithMoreThanShapesIsReportedAsItsNumbers() {
        GraphCache<String> cache = new GraphCache<>(2, "test");
        FakeExecutor ex = new FakeExecutor();
        ex.failingShapes = Set.of("1x7");
        ex.currentShape = "1x7";
        long pinnedAddress = 0x7f00_0000_2000L;
        cache.run(new long[] {2, 1, 7, pinnedAddress, 2}, ex);
        GraphCache.GraphStats stats = cache.stats();
        assertThat(stats.uncapturableShapes()).containsOnlyKeys("[2, 1, 7, " + pinnedAddress + ", 2]");
        assertThat(ex.calls).containsExactly("plain 1x7");
    }

    @Test
    void closeDestroysEveryGraphOnceAndRefusesLaterRuns() {
        GraphCache<String> cache = new GraphCache<>(4, "engine 'mlp' context 0");
        FakeExecutor ex = new FakeExecutor();
        ex.run(cache, 1, 1);
        ex.run(cache, 2, 1);
        cache.close(ex);
        cache.close(ex);
        assertThat(ex.live).isEmpty();
        assertThat(ex.calls).filteredOn(c -> c.startsWith("destroy")).hasSize(2);
        assertThatThrownBy(() -> ex.run(cache, 1, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("engine 'mlp' context 0");
    }

    @Test
    void refusesAnEmptyCache() {
        assertThatThrownBy(() -> new GraphCache<String>(0, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
