package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.infer4j.ElementType;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.TensorInfo;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    private static final TensorInfo IDS = new TensorInfo("input_ids", ElementType.INT64, Shape.of(-1, -1));
    private static final TensorInfo FEATURES = new TensorInfo("x", ElementType.FLOAT32, Shape.of(-1, 16));

    @Test
    void everyBatchSizeMeetsEverySequenceLength() {
        List<Workload> all = Workload.all(List.of(IDS), List.of(1, 8), List.of(16, 128), Map.of());

        assertThat(all).extracting(Workload::describe)
                .containsExactly("input_ids=1x16", "input_ids=1x128", "input_ids=8x16", "input_ids=8x128");
        assertThat(all).extracting(Workload::batch).containsExactly(1, 1, 8, 8);
        assertThat(all).extracting(Workload::seqLen).containsExactly(16, 128, 16, 128);
    }

    @Test
    void sequenceLengthsDoNotMultiplyAModelWithoutSequences() {
        List<Workload> all = Workload.all(List.of(FEATURES), List.of(2, 4), List.of(16, 128), Map.of());

        assertThat(all).extracting(Workload::describe).containsExactly("x=2x16", "x=4x16");
        assertThat(all).extracting(Workload::seqLen).containsOnlyNulls();
    }

    @Test
    void withoutBatchSizesTheBatchIsTheModelsOwn() {
        assertThat(Workload.all(List.of(FEATURES), List.of(), List.of(), Map.of())).singleElement()
                .satisfies(w -> assertThat(w.batch()).isEqualTo(1));
    }

    @Test
    void explicitShapesGiveTheBatchOfTheFirstInput() {
        List<Workload> all = Workload.all(List.of(FEATURES), List.of(), List.of(), Map.of("x", new long[] {6, 16}));

        assertThat(all).singleElement().satisfies(w -> assertThat(w.batch()).isEqualTo(6));
    }

    @Test
    void rangesCoverEveryWorkloadOfEachOpenInputOptimisedForTheLargest() {
        TensorInfo fixed = new TensorInfo("scale", ElementType.FLOAT32, Shape.of(1));
        List<TensorInfo> inputs = List.of(fixed, IDS);
        List<Workload> all = Workload.all(inputs, List.of(1, 8), List.of(128, 16), Map.of());

        Map<String, ShapeRange> ranges = Workload.ranges(inputs, all);

        assertThat(all).extracting(Workload::batch).containsExactly(1, 1, 8, 8);
        assertThat(ranges).containsOnlyKeys("input_ids");
        assertThat(ranges.get("input_ids")).isEqualTo(ShapeRange.of(new long[] {1, 16}, new long[] {8, 128}, new long[] {8, 128}));
    }
}
