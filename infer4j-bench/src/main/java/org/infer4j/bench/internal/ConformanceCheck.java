package org.infer4j.bench.internal;

import java.util.Map;
import org.infer4j.ElementType;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.jspecify.annotations.Nullable;

/**
 * Whether a backend's outputs are right: compared with PyTorch's own outputs for the same inputs,
 * output by output, under one tolerance per precision (stated and justified in
 * {@code docs/conformance.md}, never tuned per model).
 *
 * <ul>
 *   <li>Floating-point outputs pass when their largest absolute difference is at most
 *       {@code tolerance × scale}, where scale is the largest magnitude of PyTorch's output but at
 *       least 1. An output stored in float16 or bfloat16 is held to at least {@link #FP16_TOLERANCE}
 *       whatever the precision: one rounding to half precision alone moves a value by up to 4.9e-4
 *       of its magnitude, so it cannot be held to FP32's bound. A NaN or infinity where PyTorch has
 *       a finite number fails.</li>
 *   <li>Integer and boolean outputs (indices, counts, masks) must be equal element for element.</li>
 *   <li>Shapes must be equal; for outputs whose shape depends on the data this is part of the check.</li>
 * </ul>
 * Stateless.
 */
public final class ConformanceCheck {
    /**
     * FP32: 1e-4 of the output's scale. Float32 keeps 24 mantissa bits (unit roundoff 6e-8); a GPU
     * kernel that sums in another order than PyTorch's CPU kernels differs by a few roundoffs per
     * reduction, compounded over the layers of these reduced models to well below 1e-5 of the
     * scale. 1e-4 leaves a tenfold margin and still fails TF32 (10 mantissa bits, unit roundoff
     * 4.9e-4 per product), which is what this bound is meant to tell apart from FP32.
     */
    public static final double FP32_TOLERANCE = 1e-4;
    /**
     * FP16: 2e-2 of the output's scale. Half precision has 11 mantissa bits (unit roundoff 4.9e-4)
     * and rounds every activation between layers, not only the products; errors of 1e-3 to 1e-2 of
     * the scale are what FP16 legitimately costs in deep networks.
     */
    public static final double FP16_TOLERANCE = 2e-2;

    private ConformanceCheck() {
    }

    /** The tolerance, as a fraction of an output's scale, for runs at {@code precision}. */
    public static double tolerance(Precision precision) {
        return precision == Precision.FP16 ? FP16_TOLERANCE : FP32_TOLERANCE;
    }

    /**
     * The verdict on every output of {@code expected} against the same-named one of {@code actual}.
     *
     * @param tolerance the fraction of each floating-point output's scale that its largest difference may reach
     */
    public static Verdict check(Map<String, Tensor> expected, Map<String, ? extends Tensor> actual, double tolerance) {
        double maxAbs = 0;
        double sumSquares = 0;
        long count = 0;
        double worstRatio = 0;
        double worstBound = 0;
        StringBuilder failures = new StringBuilder();
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            String name = e.getKey();
            Tensor want = e.getValue();
            Tensor got = actual.get(name);
            if (got == null) {
                append(failures, "no output '" + name + "'");
                continue;
            }
            if (!got.shape().equals(want.shape())) {
                append(failures, "output '" + name + "' has shape " + got.shape() + ", PyTorch's " + want.shape());
                continue;
            }
            double[] w = Agreement.OutputValues.of(want).values();
            double[] g = Agreement.OutputValues.of(got).values();
            boolean exact = !want.elementType().isFloatingPoint();
            double scale = 1;
            double outputMax = 0;
            long mismatches = 0;
            boolean badNumber = false;
            for (int i = 0; i < w.length; i++) {
                if (Double.isNaN(w[i]) && Double.isNaN(g[i]) || w[i] == g[i]) {
                    count++;
                    continue;
                }
                double diff = Math.abs(g[i] - w[i]);
                if (!Double.isFinite(diff)) {
                    badNumber = true;
                    continue;
                }
                if (Double.isFinite(w[i])) {
                    scale = Math.max(scale, Math.abs(w[i]));
                }
                mismatches++;
                outputMax = Math.max(outputMax, diff);
                sumSquares += diff * diff;
                count++;
            }
            for (double v : w) {
                if (Double.isFinite(v)) {
                    scale = Math.max(scale, Math.abs(v));
                }
            }
            maxAbs = Math.max(maxAbs, outputMax);
            double bound = exact ? 0 : outputTolerance(want.elementType(), tolerance) * scale;
            if (badNumber) {
                append(failures, "output '" + name + "' has NaN or infinity where PyTorch's is finite");
            } else if (exact && mismatches > 0) {
                append(failures, "output '" + name + "' (" + want.elementType() + ") differs in " + mismatches + " of "
                        + w.length + " elements");
            } else if (outputMax > bound) {
                append(failures, String.format("output '%s' differs by up to %.3g, over %.3g (%.0e of its scale %.3g)",
                        name, outputMax, bound, outputTolerance(want.elementType(), tolerance), scale));
            }
            double ratio = bound > 0 ? outputMax / bound : (outputMax > 0 ? Double.POSITIVE_INFINITY : 0);
            if (ratio >= worstRatio) {
                worstRatio = ratio;
                worstBound = bound;
            }
        }
        double rmse = count == 0 ? 0 : Math.sqrt(sumSquares / count);
        return new Verdict(failures.length() == 0, maxAbs, rmse, worstBound,
                failures.length() == 0 ? null : failures.toString());
    }

    /** The tolerance for an output of {@code type}: at least FP16's for half-precision outputs. */
    static double outputTolerance(ElementType type, double tolerance) {
        return type == ElementType.FLOAT16 || type == ElementType.BFLOAT16 ? Math.max(tolerance, FP16_TOLERANCE) : tolerance;
    }

    private static void append(StringBuilder sb, String s) {
        if (sb.length() > 0) {
            sb.append("; ");
        }
        sb.append(s);
    }

    /**
     * @param passed every output within its bound
     * @param maxAbs the largest absolute difference over all outputs
     * @param rmse the root mean square difference over all elements of all outputs
     * @param tolerance the absolute bound of the output closest to (or furthest past) its bound
     * @param failure what failed, or null
     */
    public record Verdict(boolean passed, double maxAbs, double rmse, double tolerance, @Nullable String failure) {
    }
}
