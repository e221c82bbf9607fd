package org.infer4j.tensorrt.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.infer4j.ElementType;
import org.infer4j.InvalidInputException;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.TensorInfo;
import org.infer4j.contract.ReferenceModel;
import org.infer4j.tensorrt.internal.onnx.OnnxModelInfo;
import org.junit.jupiter.api.Test;

class ProfilePlanTest {
    private static final List<TensorInfo> ENCODER =
            OnnxModelInfo.parse(ReferenceModel.named("encoder_tiny").onnxBytes(), "encoder_tiny").inputs();
    private static final List<TensorInfo> CNN =
            OnnxModelInfo.parse(ReferenceModel.named("cnn_tiny").onnxBytes(), "cnn_tiny").inputs();

    @Test
    void aRangeBeyondTensorRtsThirtyTwoBitDimensionsIsRefusedNamingTheInputAndTheLimit() {
        ShapeRange tooLarge = ShapeRange.of(new long[] {1, 3, 16, 16}, new long[] {1, 3, 16, 16},
                new long[] {1L << 31, 3, 16, 16});

        assertThatThrownBy(() -> ProfilePlan.derive(CNN, Map.of("input", tooLarge)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'input'").hasMessageContaining("2147483648").hasMessageContaining("2147483647");
    }

    @Test
    void withoutUserRangesTheBatchDimensionDefaultsToOneToThirtyTwoAndFixedDimensionsStayFixed() {
        ProfilePlan plan = ProfilePlan.derive(CNN, Map.of());

        assertThat(plan.range("input")).isEqualTo(ShapeRange.of(new long[] {1, 3, 16, 16}, new long[] {1, 3, 16, 16},
                new long[] {32, 3, 16, 16}));
        assertThat(plan.defaulted()).singleElement().asString().contains("'input' dimension 0 (batch)").contains("1 / 1 / 32");
    }

    @Test
    void withoutUserRangesASequenceDimensionDefaultsToOptimal128AndMax512() {
        ProfilePlan plan = ProfilePlan.derive(ENCODER, Map.of());

        ShapeRange ids = plan.range("input_ids");
        assertThat(ids.min()).isEqualTo(Shape.of(1, 1));
        assertThat(ids.optimal()).isEqualTo(Shape.of(1, 128));
        assertThat(ids.max()).isEqualTo(Shape.of(32, 512));
        assertThat(plan.range("attention_mask")).isEqualTo(ids);
        assertThat(plan.defaulted()).hasSize(4).anySatisfy(line -> assertThat(line).contains("(seq)").contains("sequence-like"));
    }

    @Test
    void anUnnamedUnknownDimensionAfterTheFirstIsSequenceLike() {
        TensorInfo tokens = new TensorInfo("tokens", ElementType.INT32, Shape.of(-1, -1));

        ShapeRange r = ProfilePlan.derive(List.of(tokens), Map.of()).range("tokens");

        assertThat(r.max()).isEqualTo(Shape.of(32, 512));
    }

    @Test
    void aDimensionNamedBatchIsBatchLikeWhereverItIs() {
        TensorInfo t = new TensorInfo("x", ElementType.FLOAT32, Shape.of(4, -1), List.of("", "batch_size"));

        assertThat(ProfilePlan.derive(List.of(t), Map.of()).range("x").max()).isEqualTo(Shape.of(4, 32));
    }

    @Test
    void aUserRangeIsUsedAsGivenAndNothingIsDefaulted() {
        ShapeRange given = ShapeRange.of(new long[] {2, 3, 16, 16}, new long[] {4, 3, 16, 16}, new long[] {8, 3, 16, 16});

        ProfilePlan plan = ProfilePlan.derive(CNN, Map.of("input", given));

        assertThat(plan.range("input")).isEqualTo(given);
        assertThat(plan.defaulted()).isEmpty();
    }

    @Test
    void aUserRangeForOneInputCarriesOverToInputsSharingItsDimensionNames() {
        ShapeRange ids = ShapeRange.of(new long[] {1, 32}, new long[] {1, 128}, new long[] {4, 256});

        ProfilePlan plan = ProfilePlan.derive(ENCODER, Map.of("input_ids", ids));

        assertThat(plan.range("attention_mask")).isEqualTo(ids);
        assertThat(plan.defaulted()).isEmpty();
    }

    @Test
    void userRangesThatDisagreeOnASharedDimensionAreRejectedNamingIt() {
        ShapeRange ids = ShapeRange.of(new long[] {1, 32}, new long[] {1, 128}, new long[] {4, 256});
        ShapeRange mask = ShapeRange.of(new long[] {1, 32}, new long[] {1, 128}, new long[] {4, 512});

        assertThatThrownBy(() -> ProfilePlan.derive(ENCODER, Map.of("input_ids", ids, "attention_mask", mask)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'seq'")
                .hasMessageContaining("32 / 128 / 256").hasMessageContaining("32 / 128 / 512");
    }

    @Test
    void theCanonicalTextChangesWithAnyRange() {
        String defaults = ProfilePlan.derive(ENCODER, Map.of()).canonical();
        String custom = ProfilePlan.derive(ENCODER, Map.of("input_ids",
                ShapeRange.of(new long[] {1, 1}, new long[] {1, 128}, new long[] {32, 511}))).canonical();

        assertThat(defaults).isEqualTo(ProfilePlan.derive(ENCODER, Map.of()).canonical()).isNotEqualTo(custom);
    }

    @Test
    void askingForAnInputWithoutAProfileNamesTheKnownOnes() {
        assertThatThrownBy(() -> ProfilePlan.derive(CNN, Map.of()).range("pixels"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'pixels'").hasMessageContaining("input");
    }
}
