package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.infer4j.ElementType;
import org.infer4j.InvalidInputException;
import org.infer4j.Shape;
import org.infer4j.TensorInfo;
import org.junit.jupiter.api.Test;

class InputShapesTest {
    private static final long OPEN = Shape.UNKNOWN;
    private static final TensorInfo IMAGE = new TensorInfo("pixels", ElementType.FLOAT32, Shape.of(OPEN, 3, 8, 8));
    private static final TensorInfo IDS = new TensorInfo("input_ids", ElementType.INT64, Shape.of(OPEN, OPEN),
            List.of("batch", "seq"));
    private static final TensorInfo MASK = new TensorInfo("attention_mask", ElementType.INT64, Shape.of(OPEN, OPEN));

    @Test
    void anOpenBatchTakesTheBatchSize() {
        Map<String, long[]> shapes = InputShapes.resolve(List.of(IMAGE), new InputShapes.Request(8, null, Map.of()));

        assertThat(shapes.get("pixels")).containsExactly(8, 3, 8, 8);
    }

    @Test
    void anOpenBatchIsOneWhenNoBatchSizeIsGiven() {
        Map<String, long[]> shapes = InputShapes.resolve(List.of(IMAGE), new InputShapes.Request(null, null, Map.of()));

        assertThat(shapes.get("pixels")).containsExactly(1, 3, 8, 8);
    }

    @Test
    void anOpenSecondDimensionTakesTheSequenceLengthOnEveryInput() {
        Map<String, long[]> shapes = InputShapes.resolve(List.of(IDS, MASK), new InputShapes.Request(2, 16, Map.of()));

        assertThat(shapes).containsOnlyKeys("input_ids", "attention_mask");
        assertThat(shapes.get("input_ids")).containsExactly(2, 16);
        assertThat(shapes.get("attention_mask")).containsExactly(2, 16);
    }

    @Test
    void shapesComeInModelOrder() {
        Map<String, long[]> shapes = InputShapes.resolve(List.of(MASK, IDS), new InputShapes.Request(1, 4, Map.of()));

        assertThat(shapes.keySet()).containsExactly("attention_mask", "input_ids");
    }

    @Test
    void anOverrideFixesAnInputOutright() {
        Map<String, long[]> shapes = InputShapes.resolve(List.of(IMAGE),
                new InputShapes.Request(8, null, Map.of("pixels", new long[] {2, 3, 8, 8})));

        assertThat(shapes.get("pixels")).containsExactly(2, 3, 8, 8);
    }

    @Test
    void anOpenDimensionNothingDecidesNamesTheInputAndTheShapeRemedy() {
        TensorInfo video = new TensorInfo("frames", ElementType.FLOAT32, Shape.of(OPEN, OPEN, OPEN), List.of("b", "t", "hw"));

        assertThatThrownBy(() -> InputShapes.resolve(List.of(video), new InputShapes.Request(4, 10, Map.of())))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("frames")
                .hasMessageContaining("dimension 2 ('hw')")
                .hasMessageContaining("--shape frames=4x10x1");
    }

    @Test
    void anOpenSecondDimensionWithoutASequenceLengthAsksForOne() {
        assertThatThrownBy(() -> InputShapes.resolve(List.of(IDS), new InputShapes.Request(1, null, Map.of())))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("input_ids")
                .hasMessageContaining("--seq-len")
                .hasMessageContaining("--shape input_ids=1x1");
    }

    @Test
    void aBatchSizeForAModelThatFixesItsBatchIsRefused() {
        TensorInfo fixed = new TensorInfo("x", ElementType.FLOAT32, Shape.of(4, 16));

        assertThatThrownBy(() -> InputShapes.resolve(List.of(fixed), new InputShapes.Request(8, null, Map.of())))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("x: FLOAT32[4, 16] has 4")
                .hasMessageContaining("--batch 8");
        assertThat(InputShapes.resolve(List.of(fixed), new InputShapes.Request(4, null, Map.of())).get("x"))
                .containsExactly(4, 16);
        assertThat(InputShapes.resolve(List.of(fixed), new InputShapes.Request(null, null, Map.of())).get("x"))
                .containsExactly(4, 16);
    }

    @Test
    void aFixedSideInputBesideAnOpenBatchKeepsItsShape() {
        TensorInfo scale = new TensorInfo("scale", ElementType.FLOAT32, Shape.of(1));

        Map<String, long[]> shapes = InputShapes.resolve(List.of(scale, IMAGE), new InputShapes.Request(8, null, Map.of()));

        assertThat(shapes.get("scale")).containsExactly(1);
        assertThat(shapes.get("pixels")).containsExactly(8, 3, 8, 8);
    }

    @Test
    void anOverrideThatDoesNotFitTheModelIsRefused() {
        assertThatThrownBy(() -> InputShapes.resolve(List.of(IMAGE),
                new InputShapes.Request(1, null, Map.of("pixels", new long[] {1, 4, 8, 8}))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--shape pixels=1x4x8x8")
                .hasMessageContaining("pixels: FLOAT32[?, 3, 8, 8]");
        assertThatThrownBy(() -> InputShapes.resolve(List.of(IMAGE),
                new InputShapes.Request(1, null, Map.of("pixels", new long[] {1, 3, 8}))))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void anOverrideOfNoInputNamesTheInputs() {
        assertThatThrownBy(() -> InputShapes.resolve(List.of(IMAGE),
                new InputShapes.Request(1, null, Map.of("image", new long[] {1, 3, 8, 8}))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'image'")
                .hasMessageContaining("pixels");
    }

    @Test
    void requestsRejectSizesBelowOne() {
        assertThatThrownBy(() -> new InputShapes.Request(0, null, Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InputShapes.Request(1, 0, Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shapesParseFromXOrCommaSeparatedSizes() {
        assertThat(InputShapes.parse("1x3x224x224")).containsExactly(1, 3, 224, 224);
        assertThat(InputShapes.parse("2,16")).containsExactly(2, 16);
        assertThat(InputShapes.parse("")).isEmpty();
        assertThat(InputShapes.format(new long[] {1, 3, 224, 224})).isEqualTo("1x3x224x224");
    }

    @Test
    void malformedOrOpenShapesAreRefused() {
        assertThatThrownBy(() -> InputShapes.parse("1xbatch")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1x3x224x224");
        assertThatThrownBy(() -> InputShapes.parse("-1x3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
    }
}
