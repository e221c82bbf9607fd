package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.infer4j.bench.OffsetBackendProvider;
import org.junit.jupiter.api.Test;

/**
 * The accuracy measure of a precision result: max-abs, cosine similarity and top-1 agreement against FP32
 * outputs of the same inputs, held to the precision's stated bound. ort-cpu against itself agrees exactly;
 * against outputs shifted or reordered it breaches the bound, and the result says which part.
 */
class AccuracyTest {
    private static final Path MLP = Path.of("..", "models", "mlp_tiny.onnx");
    private static final List<String> OUT = List.of("logits");

    private static Map<String, Agreement.OutputValues> logits(double... values) {
        return Map.of("logits", new Agreement.OutputValues(Shape.of(values.length / 4, 4), values));
    }

    private static InferenceEngine engine(Backends backends, String backend) {
        return InferenceEngine.builder().backends(backends).backend(backend).model(MLP).build();
    }

    private static Backends cpuAndOffset() {
        return Backends.of(Backends.discover().find("ort-cpu").orElseThrow(), new OffsetBackendProvider());
    }

    @Test
    void ortCpuAgainstItselfAgreesExactlyOverEveryInput() {
        try (InferenceEngine cpu = engine(cpuAndOffset(), "ort-cpu")) {
            Accuracy.Result r = Accuracy.measure(cpu, cpu, Precision.FP32, 20,
                    i -> InputGenerator.generate(cpu.inputs(), Map.of("input", new long[] {8, 16}), 100 + i, 100));

            assertThat(r.inputs()).isEqualTo(20);
            assertThat(r.rows()).isEqualTo(20 * 8);
            assertThat(r.maxAbs()).isZero();
            assertThat(r.cosine()).isCloseTo(1.0, within(1e-12));
            assertThat(r.top1()).isEqualTo(1.0);
            assertThat(r.withinBound()).isTrue();
            assertThat(r.breach()).isNull();
            assertThat(r.reference()).isEqualTo("ort-cpu FP32");
        }
    }

    @Test
    void outputsShiftedByAnOffsetKeepTheirArgMaxButBreachTheCosineBound() {
        try (InferenceEngine cpu = engine(cpuAndOffset(), "ort-cpu");
             InferenceEngine shifted = engine(cpuAndOffset(), "test-offset")) {
            Accuracy.Result r = Accuracy.measure(cpu, shifted, Precision.INT8, 10,
                    i -> InputGenerator.generate(cpu.inputs(), Map.of("input", new long[] {4, 16}), 7 + i, 100));

            assertThat(r.maxAbs()).isCloseTo(0.5, within(1e-6));
            assertThat(r.top1()).as("a uniform shift moves no arg-max").isEqualTo(1.0);
            assertThat(r.cosine()).isLessThan(Accuracy.Bound.of(Precision.INT8).minCosine());
            assertThat(r.withinBound()).isFalse();
            assertThat(r.breach()).startsWith("cosine similarity");
        }
    }

    @Test
    void aRowWhoseLargestElementMovesCountsAgainstTop1() {
        Accuracy.Result r = new Accuracy.Accumulator("ref", Accuracy.Bound.of(Precision.FP16))
                .add(OUT, logits(1, 9, 2, 3, 5, 1, 1, 1), logits(1, 9, 2, 3, 1, 1, 5.2, 1))
                .result();

        assertThat(r.rows()).isEqualTo(2);
        assertThat(r.top1()).isEqualTo(0.5);
        assertThat(r.maxAbs()).isCloseTo(4.2, within(1e-12));
        assertThat(r.withinBound()).isFalse();
    }

    @Test
    void theTop1BoundIsCheckedWhenTheCosineIsWithinItsOwn() {
        Accuracy.Accumulator sum = new Accuracy.Accumulator("ref", new Accuracy.Bound(0.5, 0.99));
        sum.add(OUT, logits(1, 1.01, 0, 0), logits(1.01, 1, 0, 0));

        assertThat(sum.result().breach()).startsWith("top-1 agreement 0.0000");
    }

    @Test
    void aNanOnOneSideIsABreachAndZerosOnBothSidesAgree() {
        assertThat(new Accuracy.Accumulator("ref", Accuracy.Bound.of(Precision.FP32))
                .add(OUT, logits(1, 2, 3, 4), logits(1, Double.NaN, 3, 4)).result().breach()).contains("NaN");
        Accuracy.Result zeros = new Accuracy.Accumulator("ref", Accuracy.Bound.of(Precision.FP32))
                .add(OUT, logits(0, 0, 0, 0), logits(0, 0, 0, 0)).result();
        assertThat(zeros.cosine()).isEqualTo(1.0);
        assertThat(zeros.withinBound()).isTrue();
    }

    @Test
    void outputsOfDifferentShapesOrNoInputsAreRefused() {
        Accuracy.Accumulator sum = new Accuracy.Accumulator("ref", Accuracy.Bound.of(Precision.FP32));
        Map<String, Agreement.OutputValues> other = Map.of("logits", new Agreement.OutputValues(Shape.of(4, 1),
                new double[] {1, 2, 3, 4}));

        assertThatThrownBy(() -> sum.add(OUT, logits(1, 2, 3, 4), other)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'logits'");
        assertThatThrownBy(() -> sum.add(OUT, logits(1, 2, 3, 4), Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing");
        try (InferenceEngine cpu = engine(cpuAndOffset(), "ort-cpu")) {
            assertThatThrownBy(() -> Accuracy.measure(cpu, cpu, Precision.FP32, 0, i -> Map.of()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void eachPrecisionHasAStatedBoundLooserForFewerBits() {
        assertThat(Accuracy.Bound.of(Precision.FP32).minCosine()).isGreaterThan(Accuracy.Bound.of(Precision.FP16).minCosine());
        assertThat(Accuracy.Bound.of(Precision.FP16).minCosine()).isGreaterThan(Accuracy.Bound.of(Precision.INT8).minCosine());
        assertThat(Accuracy.Bound.of(Precision.INT8).minTop1()).isEqualTo(0.99);
        assertThat(Accuracy.Bound.of(Precision.FP8)).isEqualTo(Accuracy.Bound.of(Precision.INT8));
    }
}
