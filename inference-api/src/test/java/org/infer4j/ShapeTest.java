package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShapeTest {

    @Test
    void marksUnknownDimensionsAndAcceptsConcreteShapesThatFit() {
        Shape model = Shape.of(-1, 3, 224, 224);
        assertThat(model.isStatic()).isFalse();
        assertThat(model.toString()).isEqualTo("[?, 3, 224, 224]");
        assertThat(model.accepts(Shape.of(8, 3, 224, 224))).isTrue();
        assertThat(model.accepts(Shape.of(8, 3, 224, 225))).isFalse();
        assertThat(model.accepts(Shape.of(3, 224, 224))).isFalse();
        assertThatThrownBy(model::elementCount).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void isImmutableAndComparesByValue() {
        long[] dims = {2, 3};
        Shape s = Shape.of(dims);
        dims[0] = 9;
        s.toArray()[1] = 9;
        assertThat(s).isEqualTo(Shape.of(2, 3)).hasSameHashCodeAs(Shape.of(2, 3));
        assertThat(s.elementCount()).isEqualTo(6);
    }

    @Test
    void refusesNegativeSizesOtherThanUnknown() {
        assertThatThrownBy(() -> Shape.of(1, -2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-2");
    }

    @Test
    void tensorInfoPrintsDimensionNamesForUnknownDimensions() {
        TensorInfo info = new TensorInfo("input_ids", ElementType.INT64, Shape.of(-1, -1), List.of("batch", "seq"));
        assertThat(info).hasToString("input_ids: INT64[batch, seq]");
    }

    @Test
    void shapeRangesAreOrderedPerDimension() {
        ShapeRange r = ShapeRange.of(new long[] {1, 1}, new long[] {1, 128}, new long[] {8, 512});
        assertThat(r.contains(Shape.of(4, 256))).isTrue();
        assertThat(r.contains(Shape.of(9, 256))).isFalse();
        assertThatThrownBy(() -> ShapeRange.of(new long[] {2}, new long[] {1}, new long[] {4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("min <= optimal <= max");
        assertThatThrownBy(() -> ShapeRange.of(new long[] {1}, new long[] {1, 1}, new long[] {4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank");
    }
}
