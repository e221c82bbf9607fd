package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.junit.jupiter.api.Test;

class ConformanceCheckTest {

    @Test
    void floatOutputsPassWithinTheToleranceOfTheirScaleAndFailPastIt() {
        try (Tensor want = Tensor.of(new float[] {100f, -3f}, 2);
             Tensor close = Tensor.of(new float[] {100.009f, -3f}, 2);
             Tensor far = Tensor.of(new float[] {100.02f, -3f}, 2)) {
            ConformanceCheck.Verdict ok = ConformanceCheck.check(Map.of("y", want), Map.of("y", close), 1e-4);
            ConformanceCheck.Verdict bad = ConformanceCheck.check(Map.of("y", want), Map.of("y", far), 1e-4);

            assertThat(ok.passed()).as("0.009 is within 1e-4 of the scale 100").isTrue();
            assertThat(ok.tolerance()).isEqualTo(1e-4 * 100);
            assertThat(bad.passed()).isFalse();
            assertThat(bad.maxAbs()).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(bad.failure()).contains("output 'y' differs by up to");
        }
    }

    @Test
    void theScaleIsAtLeastOneSoThatSmallOutputsAreHeldToTheToleranceItself() {
        try (Tensor want = Tensor.of(new float[] {1e-3f}, 1); Tensor got = Tensor.of(new float[] {1.2e-3f}, 1)) {
            assertThat(ConformanceCheck.check(Map.of("y", want), Map.of("y", got), 1e-4).passed()).isFalse();
            assertThat(ConformanceCheck.check(Map.of("y", want), Map.of("y", got), 1e-3).passed()).isTrue();
        }
    }

    @Test
    void integerOutputsMustBeEqualElementForElement() {
        try (Tensor want = Tensor.of(new long[] {3, 1, 2}, 3); Tensor got = Tensor.of(new long[] {3, 2, 1}, 3)) {
            ConformanceCheck.Verdict v = ConformanceCheck.check(Map.of("indices", want), Map.of("indices", got), 1.0);

            assertThat(v.passed()).as("a generous tolerance does not apply to indices").isFalse();
            assertThat(v.failure()).contains("output 'indices' (INT64) differs in 2 of 3 elements");
        }
    }

    @Test
    void aShapeOtherThanPyTorchsFailsAndNamesBoth() {
        try (Tensor want = Tensor.of(new long[] {0, 2}, 2, 1); Tensor got = Tensor.of(new long[] {0, 2, 3}, 3, 1)) {
            ConformanceCheck.Verdict v = ConformanceCheck.check(Map.of("idx", want), Map.of("idx", got), 0);

            assertThat(v.passed()).isFalse();
            assertThat(v.failure()).contains("output 'idx' has shape [3, 1], PyTorch's [2, 1]");
        }
    }

    @Test
    void aNanWherePyTorchHasANumberFailsAndAMissingOutputFails() {
        try (Tensor want = Tensor.of(new float[] {1f, 2f}, 2); Tensor got = Tensor.of(new float[] {1f, Float.NaN}, 2)) {
            assertThat(ConformanceCheck.check(Map.of("y", want), Map.of("y", got), 1).failure())
                    .contains("NaN or infinity");
            assertThat(ConformanceCheck.check(Map.of("y", want), Map.of(), 1).failure()).contains("no output 'y'");
        }
    }

    @Test
    void aHalfPrecisionOutputIsHeldToTheFp16ToleranceEvenAtFp32() {
        try (Tensor want = Tensor.ofFloat16(new float[] {0.3f}, 1); Tensor got = Tensor.ofFloat16(new float[] {0.30024f}, 1)) {
            ConformanceCheck.Verdict v = ConformanceCheck.check(Map.of("y", want), Map.of("y", got),
                    ConformanceCheck.FP32_TOLERANCE);

            assertThat(v.passed()).as("one float16 step near 0.3 is 2.4e-4, past FP32's bound").isTrue();
            assertThat(v.tolerance()).isEqualTo(ConformanceCheck.FP16_TOLERANCE);
        }
    }

    @Test
    void eachPrecisionHasOneStatedTolerance() {
        assertThat(ConformanceCheck.tolerance(Precision.FP32)).isEqualTo(ConformanceCheck.FP32_TOLERANCE).isEqualTo(1e-4);
        assertThat(ConformanceCheck.tolerance(Precision.FP16)).isEqualTo(ConformanceCheck.FP16_TOLERANCE).isEqualTo(2e-2);
    }
}
