package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.junit.jupiter.api.Test;

class AgreementTest {

    @Test
    void oneDifferingElementGivesItsRmseMaeAndMaxAbs() {
        Agreement a = Agreement.compare("ort-cpu", new double[] {1, 2, 3, 4}, new double[] {1, 2, 3, 5}, 2);

        assertThat(a.rmse()).isCloseTo(0.5, within(1e-12));      // sqrt(1 / 4)
        assertThat(a.mae()).isCloseTo(0.25, within(1e-12));      // 1 / 4
        assertThat(a.maxAbs()).isEqualTo(1);
        assertThat(a.compared()).isTrue();
        assertThat(a.passed()).isTrue();
        assertThat(a.reference()).isEqualTo("ort-cpu");
    }

    @Test
    void differencesOfBothSignsCount() {
        Agreement a = Agreement.compare("ref", new double[] {0, 0}, new double[] {3, -4}, 1);

        assertThat(a.rmse()).isCloseTo(Math.sqrt(12.5), within(1e-12));
        assertThat(a.mae()).isCloseTo(3.5, within(1e-12));
        assertThat(a.maxAbs()).isEqualTo(4);
        assertThat(a.passed()).isFalse();
    }

    @Test
    void identicalOutputsAgreeExactly() {
        Agreement a = Agreement.compare("ref", new double[] {0.1, -7, 1e9}, new double[] {0.1, -7, 1e9}, 0);

        assertThat(a.rmse()).isZero();
        assertThat(a.mae()).isZero();
        assertThat(a.maxAbs()).isZero();
        assertThat(a.passed()).isTrue();
    }

    @Test
    void theToleranceBoundsTheLargestDifferenceInclusively() {
        assertThat(Agreement.compare("ref", new double[] {1}, new double[] {1.5}, 0.5).passed()).isTrue();
        assertThat(Agreement.compare("ref", new double[] {1}, new double[] {1.5}, 0.4999).passed()).isFalse();
    }

    @Test
    void theToleranceScalesWithTheLargestReferenceMagnitudeButNeverBelowOne() {
        Agreement logits = Agreement.compare("ref", new double[] {-300, 20}, new double[] {-300.5, 20}, 2e-3);
        assertThat(logits.referenceScale()).isEqualTo(300);
        assertThat(logits.passed()).as("0.5 <= 2e-3 x 300").isTrue();

        Agreement small = Agreement.compare("ref", new double[] {0.01, 0.02}, new double[] {0.01, 0.025}, 2e-3);
        assertThat(small.referenceScale()).isEqualTo(1);
        assertThat(small.passed()).as("0.005 > 2e-3 x 1").isFalse();
    }

    @Test
    void aNanWhereTheReferenceHasANumberFails() {
        Agreement a = Agreement.compare("ref", new double[] {1, 2}, new double[] {1, Double.NaN}, 10);

        assertThat(a.passed()).isFalse();
        assertThat(a.compared()).isTrue();
        assertThat(a.note()).contains("NaN");
    }

    @Test
    void nanOnBothSidesIsAgreement() {
        Agreement a = Agreement.compare("ref", new double[] {Double.NaN, 2}, new double[] {Double.NaN, 2}, 0);

        assertThat(a.passed()).isTrue();
        assertThat(a.maxAbs()).isZero();
    }

    @Test
    void differentLengthsOrANegativeToleranceAreRefused() {
        assertThatThrownBy(() -> Agreement.compare("ref", new double[] {1, 2}, new double[] {1}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 values against 2");
        assertThatThrownBy(() -> Agreement.compare("ref", new double[] {1}, new double[] {1}, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance");
    }

    @Test
    void defaultTolerancesAllowTf32ForFp32AndHalfPrecisionForFp16() {
        assertThat(Agreement.defaultTolerance(Precision.FP32)).isEqualTo(2e-3);
        assertThat(Agreement.defaultTolerance(Precision.FP16)).isEqualTo(2e-2);
    }

    @Test
    void outputsAreComparedAsOneAcrossNames() {
        Map<String, Agreement.OutputValues> expected = Map.of(
                "a", new Agreement.OutputValues(Shape.of(2), new double[] {0, 0}),
                "b", new Agreement.OutputValues(Shape.of(1), new double[] {0}));
        Map<String, Agreement.OutputValues> actual = Map.of(
                "a", new Agreement.OutputValues(Shape.of(2), new double[] {0, 3}),
                "b", new Agreement.OutputValues(Shape.of(1), new double[] {0}));

        Agreement a = Agreement.compareOutputs("ref", List.of("a", "b"), expected, actual, 5);

        assertThat(a.mae()).isCloseTo(1, within(1e-12));
        assertThat(a.maxAbs()).isEqualTo(3);
        assertThat(a.passed()).isTrue();
    }

    @Test
    void outputsOfDifferentShapesFailNamingTheOutput() {
        Map<String, Agreement.OutputValues> expected = Map.of("y", new Agreement.OutputValues(Shape.of(2, 1), new double[] {0, 0}));
        Map<String, Agreement.OutputValues> actual = Map.of("y", new Agreement.OutputValues(Shape.of(1, 2), new double[] {0, 0}));

        Agreement a = Agreement.compareOutputs("ort-cpu", List.of("y"), expected, actual, 1);

        assertThat(a.passed()).isFalse();
        assertThat(a.note()).contains("'y'").contains("[1, 2]").contains("[2, 1]").contains("ort-cpu");
    }

    @Test
    void aMissingOutputIsAnError() {
        Map<String, Agreement.OutputValues> one = Map.of("y", new Agreement.OutputValues(Shape.of(1), new double[] {0}));

        assertThatThrownBy(() -> Agreement.compareOutputs("ref", List.of("z"), one, one, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'z'");
    }

    @Test
    void aSkippedComparisonSaysWhyAndNeitherPassesNorCounts() {
        Agreement a = Agreement.skipped("ort-cpu", 1e-3, "ort-cpu is not on the class path");

        assertThat(a.compared()).isFalse();
        assertThat(a.passed()).isFalse();
        assertThat(a.note()).isEqualTo("ort-cpu is not on the class path");
        assertThat(a.rmse()).isNaN();
    }

    @Test
    void outputValuesWidenEveryElementType() {
        try (Tensor floats = Tensor.of(new float[] {1.5f, -2}, 2);
             Tensor longs = Tensor.of(new long[] {7, 1L << 40}, 2, 1);
             Tensor bools = Tensor.of(new boolean[] {true, false}, 2);
             Tensor half = Tensor.ofFloat16(new float[] {0.5f}, 1)) {
            assertThat(Agreement.OutputValues.of(floats).values()).containsExactly(1.5, -2);
            assertThat(Agreement.OutputValues.of(longs).values()).containsExactly(7, 1L << 40);
            assertThat(Agreement.OutputValues.of(longs).shape()).isEqualTo(Shape.of(2, 1));
            assertThat(Agreement.OutputValues.of(bools).values()).containsExactly(1, 0);
            assertThat(Agreement.OutputValues.of(half).values()).containsExactly(0.5);
        }
    }
}
