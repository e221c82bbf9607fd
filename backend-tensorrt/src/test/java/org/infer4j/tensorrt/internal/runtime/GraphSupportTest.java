package org.infer4j.tensorrt.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.tensorrt.TensorRtSettings;
import org.infer4j.tensorrt.spi.GraphRunner;
import org.junit.jupiter.api.Test;

/** CUDA graph wiring that needs no GPU: this module alone has no graph runner. */
class GraphSupportTest {

    @Test
    void withoutBackendCudaGraphsNoFactoryIsFound() {
        assertThat(GraphSupport.discover(null)).isEmpty();
    }

    @Test
    void graphsNotAskedForAreOffWithoutNotes() {
        List<String> notes = new ArrayList<>();
        GraphSupport g = GraphSupport.choose(false, TensorRtSettings.defaults(), "m.onnx", notes);
        assertThat(g.enabled()).isFalse();
        assertThat(g.newRunner("x")).isNull();
        assertThat(notes).isEmpty();
    }

    @Test
    void graphsAskedForWithoutTheModuleRunWithoutAndTheNoteNamesTheArtifact() {
        List<String> notes = new ArrayList<>();
        GraphSupport g = GraphSupport.choose(true, TensorRtSettings.defaults(), "m.onnx", notes);
        assertThat(g.enabled()).isFalse();
        assertThat(notes).singleElement().asString().contains("org.infer4j:backend-cuda-graphs")
                .contains("without graph capture");
    }

    @Test
    void countersAddUpOverContextsAndNotesNameUncapturableSignatures() {
        Map<String, Long> counters = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        GraphSupport.aggregate(List.of(new GraphRunner.Stats(2, 3, 100, 1, 5, 2, Map.of("input[1x7] staged", "not permitted")),
                new GraphRunner.Stats(1, 1, 10, 0, 0, 0, Map.of()), GraphRunner.Stats.NONE), counters, notes);
        assertThat(counters).containsEntry("cudaGraphs.cachedGraphs", 3L).containsEntry("cudaGraphs.captures", 4L)
                .containsEntry("cudaGraphs.replays", 110L).containsEntry("cudaGraphs.evictions", 1L)
                .containsEntry("cudaGraphs.uncapturedRuns", 5L).containsEntry("cudaGraphs.resyncRuns", 2L);
        assertThat(notes).containsExactly("cudaGraphs: input[1x7] staged runs without a graph: not permitted");
    }
}
