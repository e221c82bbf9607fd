package org.infer4j.bench.internal;

import java.util.Locale;
import org.infer4j.Precision;

/**
 * How the soak compares an output with its reference: bit for bit ({@link #EXACT}), for a backend
 * that computes the same bits every time it runs the same engine on the same inputs, or within a
 * tolerance relative to the reference's scale (its largest finite magnitude, at least 1), for one
 * that may not (atomics in GPU reductions, kernels chosen anew by a fresh session). Integer and
 * boolean outputs are always compared exactly. Immutable.
 *
 * @param exact whether every bit must match
 * @param tolerance the largest absolute difference allowed, as a fraction of the reference's scale; 0 when exact
 */
public record OutputCheck(boolean exact, double tolerance) {
    /** Bit-for-bit equality. */
    public static final OutputCheck EXACT = new OutputCheck(true, 0);

    public OutputCheck {
        if (!(tolerance >= 0) || (exact && tolerance != 0)) {
            throw new IllegalArgumentException("a tolerance is >= 0, and 0 for an exact check; not " + tolerance);
        }
    }

    /**
     * A check within {@code tolerance} of the reference's scale.
     *
     * @param tolerance the fraction of the scale allowed, {@code >= 0}
     * @return the check
     * @throws IllegalArgumentException for a negative or NaN tolerance
     */
    public static OutputCheck within(double tolerance) {
        return new OutputCheck(false, tolerance);
    }

    /**
     * The soak's default tolerance for a backend that is not bit-for-bit deterministic, run after run
     * on one engine: 1e-5 of the scale in FP32 (a few float32 roundoffs per reduction summed in
     * another order, far below any wrong input's or wrong buffer's effect, which is of the order of
     * the scale itself) and 1e-3 in FP16 (two half-precision roundoffs).
     *
     * @param precision the engine's precision
     * @return the tolerance, as a fraction of the reference's scale
     */
    public static double defaultTolerance(Precision precision) {
        return precision == Precision.FP16 ? 1e-3 : 1e-5;
    }

    /** {@code exact}, or {@code within 1e-05 of scale}. */
    public String describe() {
        return exact ? "exact" : String.format(Locale.ROOT, "within %.0e of scale", tolerance);
    }
}
