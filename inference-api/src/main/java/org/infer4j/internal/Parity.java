package org.infer4j.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.infer4j.ElementType;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.jspecify.annotations.Nullable;

/**
 * The reference backend's outputs, held on the heap, and the check of a candidate's outputs
 * against them. Floating-point outputs pass when their largest absolute difference is at most
 * {@code tolerance × scale}, the scale being the reference output's largest finite magnitude but at
 * least 1; a NaN or infinity where the reference has a finite number fails. Integer and boolean
 * outputs must be equal element for element, and every shape must be equal. Immutable.
 */
final class Parity {

    /** One reference output: floating-point values widened to float, or integer and boolean values as longs. */
    private record Expected(ElementType type, Shape shape, float @Nullable [] floats, long @Nullable [] integers, double scale) {
    }

    /**
     * @param passed every output within its bound
     * @param difference the largest difference of a floating-point output, as a fraction of its scale
     * @param failure what differs, or null
     */
    record Verdict(boolean passed, double difference, @Nullable String failure) {
    }

    private final Map<String, Expected> expected;

    private Parity(Map<String, Expected> expected) {
        this.expected = expected;
    }

    /** Copies the reference's outputs; {@code outputs} stays the caller's to close. */
    static Parity of(Outputs outputs) {
        Map<String, Expected> expected = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : outputs) {
            Tensor t = e.getValue();
            if (t.elementType().isFloatingPoint()) {
                float[] values = t.toFloatArray();
                double scale = 1;
                for (float v : values) {
                    if (Float.isFinite(v)) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                }
                expected.put(e.getKey(), new Expected(t.elementType(), t.shape(), values, null, scale));
            } else {
                expected.put(e.getKey(), new Expected(t.elementType(), t.shape(), null, integers(t), 1));
            }
        }
        return new Parity(expected);
    }

    /**
     * @param actual a candidate's outputs for the reference's inputs
     * @param tolerance the fraction of each floating-point output's scale its largest difference may reach
     * @return the verdict on every reference output
     */
    Verdict check(Outputs actual, double tolerance) {
        double worst = 0;
        StringBuilder failures = new StringBuilder();
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
            String name = e.getKey();
            Expected want = e.getValue();
            Tensor got = actual.asMap().get(name);
            if (got == null) {
                append(failures, "no output '" + name + "'");
                continue;
            }
            if (!got.shape().equals(want.shape()) || got.elementType().isFloatingPoint() != (want.floats() != null)) {
                append(failures, "output '" + name + "' is " + got.elementType() + got.shape() + ", the reference's "
                        + want.type() + want.shape());
                continue;
            }
            if (want.floats() != null) {
                float[] w = want.floats();
                float[] g = got.toFloatArray();
                double maxAbs = 0;
                boolean badNumber = false;
                for (int i = 0; i < w.length; i++) {
                    double diff = Math.abs((double) g[i] - w[i]);
                    if (Float.isFinite(w[i]) && !Double.isFinite(diff)) {
                        badNumber = true;
                    } else if (Double.isFinite(diff)) {
                        maxAbs = Math.max(maxAbs, diff);
                    }
                }
                double relative = maxAbs / want.scale();
                worst = Math.max(worst, relative);
                if (badNumber) {
                    append(failures, "output '" + name + "' has NaN or infinity where the reference's is finite");
                } else if (relative > tolerance) {
                    append(failures, String.format("output '%s' differs by %.2e of its scale %.3g, over the tolerance %.0e",
                            name, relative, want.scale(), tolerance));
                }
            } else {
                long[] w = Objects.requireNonNull(want.integers(), "an integer output's expected values");
                long[] g = integers(got);
                long mismatches = 0;
                for (int i = 0; i < w.length; i++) {
                    if (w[i] != g[i]) {
                        mismatches++;
                    }
                }
                if (mismatches > 0) {
                    append(failures, "output '" + name + "' (" + want.type() + ") differs in " + mismatches + " of " + w.length
                            + " elements");
                }
            }
        }
        return new Verdict(failures.length() == 0, worst, failures.length() == 0 ? null : failures.toString());
    }

    private static long[] integers(Tensor t) {
        return switch (t.elementType()) {
            case INT64, INT32 -> t.toLongArray();
            case INT8, UINT8 -> java.util.Arrays.stream(t.toIntArray()).asLongStream().toArray();
            default -> {
                byte[] bytes = t.toByteArray();
                long[] out = new long[bytes.length];
                for (int i = 0; i < bytes.length; i++) {
                    out[i] = bytes[i] != 0 ? 1 : 0;
                }
                yield out;
            }
        };
    }

    private static void append(StringBuilder sb, String s) {
        if (sb.length() > 0) {
            sb.append("; ");
        }
        sb.append(s);
    }
}
