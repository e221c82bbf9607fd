package org.infer4j.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.infer4j.Binding;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Outputs whose shape depends on the input's values, not only its shape, on ort-cpu. The model
 * ({@code nonzero.onnx}, made by {@code nonzero.py} beside it) has {@code positive = x > 0}, of
 * the input's shape {@code [n]}, and {@code positions = NonZero(positive)}, of shape
 * {@code [1, number of positive elements]}.
 */
class OrtDataDependentShapesTest {
    private InferenceEngine engine;

    @BeforeEach
    void build() {
        engine = InferenceEngine.builder().backend("ort-cpu").model(model()).build();
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private static byte[] model() {
        try (InputStream in = OrtDataDependentShapesTest.class.getResourceAsStream("nonzero.onnx")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Tensor input, float... values) {
        input.buffer().asFloatBuffer().put(values);
    }

    @Test
    void theModelDeclaresTheDataDependentDimensionAsUnknown() {
        assertThat(engine.outputs()).extracting(Object::toString)
                .containsExactly("positive: BOOL[n]", "positions: INT64[1, ?]");
    }

    @Test
    void aBindingFollowsTheOutputShapeFromRunToRun() {
        try (Tensor x = Tensor.of(new float[] {1, -1, 2, 0}, 4);
             Binding binding = engine.bind(Map.of("x", x))) {
            binding.run();
            assertThat(binding.output("positions").shape()).isEqualTo(Shape.of(1, 2));
            assertThat(binding.output("positions").toLongArray()).containsExactly(0, 2);

            write(x, 3, 4, 5, -1);
            binding.run();
            assertThat(binding.output("positions").shape()).isEqualTo(Shape.of(1, 3));
            assertThat(binding.output("positions").toLongArray()).containsExactly(0, 1, 2);
            assertThat(binding.output("positive").toBooleanArray()).containsExactly(true, true, true, false);

            write(x, -1, -2, -3, -4);
            binding.run();
            assertThat(binding.output("positions").shape()).isEqualTo(Shape.of(1, 0));
            assertThat(binding.output("positive").toBooleanArray()).containsExactly(false, false, false, false);
        }
    }

    @Test
    void theBindingKeepsItsOutputTensorWhileTheShapeStaysAndClosesItWhenReplaced() {
        try (Tensor x = Tensor.of(new float[] {1, -1, 2, 0}, 4);
             Binding binding = engine.bind(Map.of("x", x))) {
            binding.run();
            Tensor first = binding.output("positions");
            Tensor positive = binding.output("positive");

            write(x, -1, 1, 0, 1);
            binding.run();
            assertThat(binding.output("positions")).as("same shape [1, 2]: written in place").isSameAs(first);
            assertThat(first.toLongArray()).containsExactly(1, 3);

            write(x, 1, 1, 1, 1);
            binding.run();
            assertThat(binding.output("positions")).isNotSameAs(first);
            assertThat(first.isClosed()).as("the binding owned it and replaced it").isTrue();
            assertThat(binding.output("positions").toLongArray()).containsExactly(0, 1, 2, 3);
            assertThat(binding.output("positive")).as("fixed by the input's shape: pinned").isSameAs(positive);
        }
    }

    @Test
    void anEmptyOutputOfTheFirstRunIsReplacedWhenARunProducesElements() {
        try (Tensor x = Tensor.of(new float[] {-1, -1, -1, -1}, 4);
             Binding binding = engine.bind(Map.of("x", x))) {
            binding.run();
            Tensor empty = binding.output("positions");
            assertThat(empty.shape()).isEqualTo(Shape.of(1, 0));

            binding.run();
            assertThat(binding.output("positions")).as("still [1, 0]").isSameAs(empty);

            write(x, -1, 2, -1, 2);
            binding.run();
            assertThat(empty.isClosed()).isTrue();
            assertThat(binding.output("positions").shape()).isEqualTo(Shape.of(1, 2));
            assertThat(binding.output("positions").toLongArray()).containsExactly(1, 3);
        }
    }

    @Test
    void aCallersTensorForADataDependentOutputMustHaveTheShapeTheRunProduces() {
        try (Tensor x = Tensor.of(new float[] {1, -1, 2, 0}, 4);
             Tensor positions = Tensor.allocate(ElementType.INT64, 1, 2);
             Binding binding = engine.bind(Map.of("x", x), Map.of("positions", positions))) {
            binding.run();
            assertThat(binding.output("positions")).isSameAs(positions);
            assertThat(positions.toLongArray()).containsExactly(0, 2);

            write(x, 1, 1, 1, -1);
            assertThatThrownBy(binding::run).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("'positions'").hasMessageContaining("[1, 3]").hasMessageContaining("[1, 2]");
            assertThat(positions.isClosed()).as("the caller's tensor is the caller's").isFalse();
        }
    }

    @Test
    void runAllocatesOutputsOfEachRunsShape() {
        try (Tensor two = Tensor.of(new float[] {1, -1, 2, 0}, 4);
             Tensor three = Tensor.of(new float[] {3, 4, 5, -1}, 4);
             Outputs first = engine.run(Map.of("x", two));
             Outputs second = engine.run(Map.of("x", three))) {
            assertThat(first.get("positions").toLongArray()).containsExactly(0, 2);
            assertThat(second.get("positions").shape()).isEqualTo(Shape.of(1, 3));
            assertThat(second.get("positions").toLongArray()).containsExactly(0, 1, 2);
        }
    }

    @Test
    void runIntoCallerOutputsChecksTheDataDependentShapeNamingBoth() {
        try (Tensor x = Tensor.of(new float[] {1, -1, 2, 0}, 4);
             Tensor right = Tensor.allocate(ElementType.INT64, 1, 2);
             Tensor wrong = Tensor.allocate(ElementType.INT64, 1, 4);
             Tensor positive = Tensor.allocate(ElementType.BOOL, 4)) {
            engine.run(Map.of("x", x), Map.of("positions", right, "positive", positive));
            assertThat(right.toLongArray()).containsExactly(0, 2);
            assertThat(positive.toBooleanArray()).containsExactly(true, false, true, false);

            assertThatThrownBy(() -> engine.run(Map.of("x", x), Map.of("positions", wrong)))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("'positions'")
                    .hasMessageContaining("[1, 2]").hasMessageContaining("[1, 4]");
        }
    }
}
