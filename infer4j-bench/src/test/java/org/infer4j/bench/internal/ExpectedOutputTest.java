package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.junit.jupiter.api.Test;

class ExpectedOutputTest {

    @Test
    void theSameBitsMatchExactly() {
        try (Tensor reference = Tensor.of(new float[] {1.5f, -2, Float.NaN}, 3);
             Tensor same = Tensor.of(new float[] {1.5f, -2, Float.NaN}, 3)) {
            assertThat(ExpectedOutput.of(reference).mismatch(same, OutputCheck.EXACT)).isNull();
        }
    }

    @Test
    void oneBitOffIsAnExactMismatchNamingTheElementAndBothValues() {
        float x = 0.1f;
        float next = Math.nextUp(x);
        try (Tensor reference = Tensor.of(new float[] {7, x, 3}, 1, 3);
             Tensor actual = Tensor.of(new float[] {7, next, 3}, 1, 3)) {
            assertThat(ExpectedOutput.of(reference).mismatch(actual, OutputCheck.EXACT))
                    .startsWith("1 of 3 elements differ (exact); first at 1: expected " + x + ", got " + next);
        }
    }

    @Test
    void aToleranceLetsSmallDifferencesPassRelativeToTheReferencesScale() {
        try (Tensor reference = Tensor.of(new float[] {100, 1}, 2);
             Tensor close = Tensor.of(new float[] {100, 1.0005f}, 2);
             Tensor far = Tensor.of(new float[] {100, 1.02f}, 2)) {
            ExpectedOutput expected = ExpectedOutput.of(reference);
            OutputCheck check = OutputCheck.within(1e-5); // 1e-5 x scale 100 = 1e-3

            assertThat(expected.mismatch(close, check)).isNull();
            assertThat(expected.mismatch(far, check)).startsWith("1 of 2 elements differ (within 1e-05 of scale); first at 1")
                    .contains("reference scale 100");
        }
    }

    @Test
    void aNanWhereTheReferenceHasANumberFailsEvenWithATolerance() {
        try (Tensor reference = Tensor.of(new float[] {1, 2}, 2);
             Tensor nan = Tensor.of(new float[] {1, Float.NaN}, 2)) {
            assertThat(ExpectedOutput.of(reference).mismatch(nan, OutputCheck.within(1))).startsWith("1 of 2 elements differ");
        }
    }

    @Test
    void integerOutputsAreComparedExactlyWhateverTheCheck() {
        try (Tensor reference = Tensor.of(new long[] {1, 2, 3}, 3);
             Tensor actual = Tensor.of(new long[] {1, 5, 6}, 3)) {
            assertThat(ExpectedOutput.of(reference).mismatch(actual, OutputCheck.within(1)))
                    .isEqualTo("2 of 3 elements differ; first at 1: expected 2, got 5");
        }
    }

    @Test
    void halfPrecisionOutputsAreComparedBitForBitAndReportedAsFloats() {
        try (Tensor reference = Tensor.ofFloat16(new float[] {1, 2}, 2);
             Tensor actual = Tensor.ofFloat16(new float[] {1, 2.5f}, 2)) {
            assertThat(ExpectedOutput.of(reference).mismatch(actual, OutputCheck.EXACT))
                    .startsWith("1 of 2 elements differ (exact); first at 1: expected 2.0, got 2.5");
        }
    }

    @Test
    void anotherShapeOrTypeIsAMismatchBeforeAnyValue() {
        try (Tensor reference = Tensor.of(new float[] {1, 2}, 1, 2);
             Tensor transposed = Tensor.of(new float[] {1, 2}, 2, 1);
             Tensor ints = Tensor.of(new int[] {1, 2}, 1, 2)) {
            ExpectedOutput expected = ExpectedOutput.of(reference);

            assertThat(expected.mismatch(transposed, OutputCheck.EXACT)).isEqualTo("shape [2, 1], expected [1, 2]");
            assertThat(expected.mismatch(ints, OutputCheck.EXACT)).isEqualTo("element type INT32, expected FLOAT32");
        }
    }

    @Test
    void theReferenceIsACopyThatLaterWritesToTheTensorDoNotChange() {
        try (Tensor output = Tensor.of(new float[] {1, 2}, 2)) {
            ExpectedOutput expected = ExpectedOutput.of(output);
            String digest = expected.digest();
            output.buffer().asFloatBuffer().put(0, 9);

            assertThat(expected.digest()).isEqualTo(digest);
            assertThat(expected.mismatch(output, OutputCheck.EXACT)).startsWith("1 of 2 elements differ");
        }
    }

    @Test
    void digestsAreEqualForEqualReferencesAndDifferOtherwise() {
        try (Tensor a = Tensor.of(new float[] {1, 2}, 2);
             Tensor b = Tensor.of(new float[] {1, 2}, 2);
             Tensor reshaped = Tensor.of(new float[] {1, 2}, 1, 2)) {
            assertThat(ExpectedOutput.of(a).digest()).isEqualTo(ExpectedOutput.of(b).digest()).hasSize(64)
                    .isNotEqualTo(ExpectedOutput.of(reshaped).digest());
        }
    }

    @Test
    void checksDescribeThemselvesAndRejectBadTolerances() {
        assertThat(OutputCheck.EXACT.describe()).isEqualTo("exact");
        assertThat(OutputCheck.within(OutputCheck.defaultTolerance(Precision.FP32)).describe()).isEqualTo("within 1e-05 of scale");
        assertThat(OutputCheck.defaultTolerance(Precision.FP16)).isEqualTo(1e-3);
        assertThatThrownBy(() -> OutputCheck.within(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutputCheck.within(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
