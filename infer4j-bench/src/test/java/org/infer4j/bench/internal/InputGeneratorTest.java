package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.infer4j.ElementType;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.junit.jupiter.api.Test;

class InputGeneratorTest {
    private static final TensorInfo IDS = new TensorInfo("input_ids", ElementType.INT64, Shape.of(-1, -1));
    private static final TensorInfo MASK = new TensorInfo("attention_mask", ElementType.INT64, Shape.of(-1, -1));
    private static final TensorInfo SEGMENTS = new TensorInfo("token_type_ids", ElementType.INT64, Shape.of(-1, -1));
    private static final TensorInfo FEATURES = new TensorInfo("features", ElementType.FLOAT32, Shape.of(-1, 4));

    @Test
    void tokenIdsAreIntegersBelowTheMaximumTokenId() {
        long[] ids = generate(List.of(IDS), Map.of("input_ids", new long[] {4, 256}), 1, 50, "input_ids", Tensor::toLongArray);

        assertThat(ids).hasSize(4 * 256);
        assertThat(boxed(ids)).allSatisfy(id -> assertThat(id).isBetween(0L, 49L));
        assertThat(java.util.Arrays.stream(ids).distinct().count()).as("distinct ids").isGreaterThan(40);
    }

    @Test
    void masksAreAllOnesAndSegmentIdsAllZeros() {
        List<TensorInfo> inputs = List.of(IDS, MASK, SEGMENTS);
        Map<String, long[]> shapes = Map.of("input_ids", new long[] {2, 8}, "attention_mask", new long[] {2, 8},
                "token_type_ids", new long[] {2, 8});

        assertThat(generate(inputs, shapes, 1, 100, "attention_mask", Tensor::toLongArray)).hasSize(16).containsOnly(1L);
        assertThat(generate(inputs, shapes, 1, 100, "token_type_ids", Tensor::toLongArray)).hasSize(16).containsOnly(0L);
    }

    @Test
    void floatInputsAreStandardNormal() {
        float[] values = generate(List.of(FEATURES), Map.of("features", new long[] {2500, 4}), 7, 100, "features",
                Tensor::toFloatArray);

        double mean = 0;
        for (float v : values) {
            mean += v / (double) values.length;
        }
        double variance = 0;
        for (float v : values) {
            variance += (v - mean) * (v - mean) / values.length;
        }
        assertThat(mean).isCloseTo(0, within(0.05));
        assertThat(variance).isCloseTo(1, within(0.1));
    }

    @Test
    void theSameSeedGivesTheSameValuesWhateverTheInputOrder() {
        Map<String, long[]> shapes = Map.of("input_ids", new long[] {1, 32}, "features", new long[] {3, 4});

        long[] idsFirst = generate(List.of(IDS, FEATURES), shapes, 42, 100, "input_ids", Tensor::toLongArray);
        long[] idsSecond = generate(List.of(FEATURES, IDS), shapes, 42, 100, "input_ids", Tensor::toLongArray);
        float[] featuresFirst = generate(List.of(IDS, FEATURES), shapes, 42, 100, "features", Tensor::toFloatArray);
        float[] featuresAlone = generate(List.of(FEATURES), shapes, 42, 100, "features", Tensor::toFloatArray);

        assertThat(idsSecond).containsExactly(idsFirst);
        assertThat(featuresAlone).containsExactly(featuresFirst);
    }

    @Test
    void anotherSeedGivesOtherValues() {
        Map<String, long[]> shapes = Map.of("features", new long[] {3, 4});

        assertThat(generate(List.of(FEATURES), shapes, 1, 100, "features", Tensor::toFloatArray))
                .isNotEqualTo(generate(List.of(FEATURES), shapes, 2, 100, "features", Tensor::toFloatArray));
    }

    @Test
    void tensorsHaveTheModelsElementTypesAndTheDecidedShapes() {
        List<TensorInfo> inputs = List.of(
                new TensorInfo("half", ElementType.FLOAT16, Shape.of(-1)),
                new TensorInfo("small_ids", ElementType.INT8, Shape.of(-1)),
                new TensorInfo("pixels", ElementType.UINT8, Shape.of(-1)),
                new TensorInfo("ids32", ElementType.INT32, Shape.of(-1)),
                new TensorInfo("padding_mask", ElementType.BOOL, Shape.of(-1)));
        Map<String, long[]> shapes = Map.of("half", new long[] {5}, "small_ids", new long[] {500}, "pixels", new long[] {500},
                "ids32", new long[] {5}, "padding_mask", new long[] {5});

        try (TensorMap owned = new TensorMap(InputGenerator.generate(inputs, shapes, 3, 1000))) {
            Map<String, Tensor> tensors = owned.tensors();
            assertThat(tensors.keySet()).containsExactly("half", "small_ids", "pixels", "ids32", "padding_mask");
            assertThat(tensors.get("half").elementType()).isEqualTo(ElementType.FLOAT16);
            assertThat(tensors.get("half").shape()).isEqualTo(Shape.of(5));
            assertThat(boxed(tensors.get("small_ids").toIntArray())).allSatisfy(v -> assertThat(v).isBetween(0, 127));
            assertThat(boxed(tensors.get("pixels").toIntArray())).allSatisfy(v -> assertThat(v).isBetween(0, 255))
                    .anySatisfy(v -> assertThat(v).isGreaterThan(127));
            assertThat(boxed(tensors.get("ids32").toIntArray())).allSatisfy(v -> assertThat(v).isBetween(0, 999));
            assertThat(tensors.get("padding_mask").toBooleanArray()).containsOnly(true);
        }
    }

    @Test
    void aMaximumTokenIdBelowOneIsRefused() {
        assertThatThrownBy(() -> InputGenerator.generate(List.of(IDS), Map.of("input_ids", new long[] {1, 1}), 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--max-token-id");
    }

    @Test
    void anInputWithoutAShapeIsAnError() {
        assertThatThrownBy(() -> InputGenerator.generate(List.of(IDS, FEATURES), Map.of("input_ids", new long[] {1, 1}), 1, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("features");
    }

    private static List<Long> boxed(long[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }

    private static List<Integer> boxed(int[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }

    private static <T> T generate(List<TensorInfo> inputs, Map<String, long[]> shapes, long seed, int maxTokenId, String name,
                                  Function<Tensor, T> read) {
        try (TensorMap tensors = new TensorMap(InputGenerator.generate(inputs, shapes, seed, maxTokenId))) {
            return read.apply(tensors.tensors().get(name));
        }
    }
}
