package org.infer4j.tensorrt.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.infer4j.ElementType;
import org.infer4j.InvalidInputException;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What calibration batches must be before TensorRT reads a byte of them: one host tensor per model input, of
 * its type and a shape it accepts, and the same shapes in every batch (TensorRT calibrates at one shape and
 * reads exactly that many bytes per input).
 */
class CalibrationBatchesTest {
    private static final List<TensorInfo> INPUTS = List.of(
            new TensorInfo("pixels", ElementType.FLOAT32, Shape.of(-1, 3, 4, 4)),
            new TensorInfo("scale", ElementType.FLOAT32, Shape.of(-1, 1)));
    private static final CalibrationBatches CHECKS = new CalibrationBatches(INPUTS, "cnn.onnx");

    private final List<Tensor> tensors = new ArrayList<>();

    @AfterEach
    void close() {
        tensors.forEach(Tensor::close);
    }

    private Tensor floats(long... shape) {
        Tensor t = Tensor.allocate(ElementType.FLOAT32, shape);
        tensors.add(t);
        return t;
    }

    @Test
    void theFirstBatchsShapesAreTheCalibrationShapesInTheModelsInputOrder() {
        Map<String, Shape> shapes = CHECKS.shapesOfFirst(Map.of("scale", floats(8, 1), "pixels", floats(8, 3, 4, 4)));

        assertThat(shapes).containsExactly(Map.entry("pixels", Shape.of(8, 3, 4, 4)), Map.entry("scale", Shape.of(8, 1)));
    }

    @Test
    void aMissingInputOrATensorThatIsNoInputIsRefusedNamingTheInputs() {
        assertThatThrownBy(() -> CHECKS.shapesOfFirst(Map.of("pixels", floats(8, 3, 4, 4))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no tensor for input 'scale'")
                .hasMessageContaining("cnn.onnx");
        assertThatThrownBy(() -> CHECKS.shapesOfFirst(Map.of("pixels", floats(8, 3, 4, 4), "scale", floats(8, 1),
                "labels", floats(8)))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("[labels], which is not an input of cnn.onnx");
    }

    @Test
    void aTensorOfAnotherTypeOrAShapeTheInputRejectsIsRefused() {
        Tensor ints = Tensor.allocate(ElementType.INT32, 8, 1);
        tensors.add(ints);

        assertThatThrownBy(() -> CHECKS.shapesOfFirst(Map.of("pixels", floats(8, 3, 4, 4), "scale", ints)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("input 'scale'")
                .hasMessageContaining("does not fit the model's input");
        assertThatThrownBy(() -> CHECKS.shapesOfFirst(Map.of("pixels", floats(8, 3, 5, 5), "scale", floats(8, 1))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("input 'pixels'");
    }

    @Test
    void aLaterBatchOfOtherShapesOrNamesIsRefusedNamingItsPosition() {
        Map<String, Shape> shapes = CHECKS.shapesOfFirst(Map.of("pixels", floats(8, 3, 4, 4), "scale", floats(8, 1)));

        CHECKS.requireLike(1, Map.of("pixels", floats(8, 3, 4, 4), "scale", floats(8, 1)), shapes);
        assertThatThrownBy(() -> CHECKS.requireLike(2, Map.of("pixels", floats(4, 3, 4, 4), "scale", floats(4, 1)), shapes))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("batch 2")
                .hasMessageContaining("same shapes");
        assertThatThrownBy(() -> CHECKS.requireLike(3, Map.of("pixels", floats(8, 3, 4, 4)), shapes))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("batch 3").hasMessageContaining("[pixels]");
    }
}
