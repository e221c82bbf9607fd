package org.infer4j.bench.internal;

import java.util.List;
import java.util.Map;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.jspecify.annotations.Nullable;

/**
 * How closely a backend's outputs match the reference backend's for the same inputs: root mean
 * square, mean absolute and largest absolute difference over every element of every output, and
 * whether the largest stays within the tolerance. The tolerance is relative to the reference's
 * scale, the largest magnitude among its values but at least 1: outputs of magnitude ~1 are held to
 * the tolerance itself, larger ones (logits, unnormalised activations of random-weight models) in
 * proportion. A NaN where the reference has a number
 * fails. Immutable.
 *
 * @param reference the reference backend, e.g. {@code ort-cpu}
 * @param compared whether a comparison was made; if not, {@code note} says why and the numbers are NaN
 * @param tolerance the largest difference allowed, as a fraction of {@code referenceScale}
 * @param referenceScale the largest magnitude among the reference values, at least 1
 * @param note why the comparison could not be made or failed outright, or null
 */
public record Agreement(String reference, boolean compared, double rmse, double mae, double maxAbs, double tolerance,
                        double referenceScale, boolean passed, @Nullable String note) {

    /**
     * The default tolerance on the largest difference, relative to the reference's scale. FP32 on
     * GPUs of compute capability 8.0 and later runs matrix products in TF32 (ONNX Runtime's CUDA
     * provider and TensorRT both do by default), which keeps 10 mantissa bits: a unit roundoff of
     * 4.9e-4 per product, compounded over a network's layers. On the H100 ort-cuda stayed within 5.3e-4
     * of the scale on distilbert and bert_base (benchmarks/results/h100/2026-11-25). FP16 keeps as
     * many mantissa bits but also rounds every activation between layers: 2e-2 (3.1e-3 measured on
     * bert_base). INT8 and FP8: 1e-1.
     */
    public static double defaultTolerance(Precision precision) {
        return switch (precision) {
            case FP32 -> 2e-3;
            case FP16 -> 2e-2;
            // 8-bit scales round each activation to one of 255 steps of its calibrated range, and the error
            // compounds over layers: parity is a sanity check here, the accuracy measure is {@link Accuracy}
            case INT8, FP8 -> 1e-1;
        };
    }

    /**
     * Compares {@code actual} against {@code expected} element by element.
     *
     * @throws IllegalArgumentException if the lengths differ or the tolerance is negative
     */
    public static Agreement compare(String reference, double[] expected, double[] actual, double tolerance) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException("cannot compare " + actual.length + " values against " + expected.length
                    + " reference values");
        }
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("the tolerance must be >= 0, not " + tolerance);
        }
        double sumSquares = 0;
        double sumAbs = 0;
        double maxAbs = 0;
        double scale = 1;
        boolean unmatchedNan = false;
        for (int i = 0; i < expected.length; i++) {
            if (Double.isNaN(expected[i]) && Double.isNaN(actual[i])) {
                continue;
            }
            double diff = Math.abs(actual[i] - expected[i]);
            if (Double.isNaN(diff)) {
                unmatchedNan = true;
                continue;
            }
            scale = Math.max(scale, Math.abs(expected[i]));
            sumSquares += diff * diff;
            sumAbs += diff;
            maxAbs = Math.max(maxAbs, diff);
        }
        int n = expected.length;
        if (unmatchedNan) {
            return new Agreement(reference, true, Double.NaN, Double.NaN, Double.NaN, tolerance, scale, false,
                    "NaN in one output where the other has a number");
        }
        double rmse = n == 0 ? 0 : Math.sqrt(sumSquares / n);
        double mae = n == 0 ? 0 : sumAbs / n;
        return new Agreement(reference, true, rmse, mae, maxAbs, tolerance, scale, maxAbs <= tolerance * scale, null);
    }

    /** No comparison was made, e.g. because the reference backend cannot run here. */
    public static Agreement skipped(String reference, double tolerance, String why) {
        return new Agreement(reference, false, Double.NaN, Double.NaN, Double.NaN, tolerance, Double.NaN, false, why);
    }

    /**
     * Compares every output of {@code actual} against the same-named output of {@code expected}:
     * shapes must match, then the values of all outputs, in the order of {@code names}, are
     * compared as one.
     *
     * @throws IllegalArgumentException if a name is missing from either side
     */
    public static Agreement compareOutputs(String reference, List<String> names, Map<String, OutputValues> expected,
                                           Map<String, OutputValues> actual, double tolerance) {
        int total = 0;
        for (String name : names) {
            OutputValues e = require(expected, name, reference);
            OutputValues a = require(actual, name, "this backend");
            if (!e.shape().equals(a.shape())) {
                return new Agreement(reference, true, Double.NaN, Double.NaN, Double.NaN, tolerance, Double.NaN, false,
                        "output '" + name + "' has shape " + a.shape() + " here but " + e.shape() + " on " + reference);
            }
            total = Math.addExact(total, e.values().length);
        }
        double[] expectedAll = new double[total];
        double[] actualAll = new double[total];
        int at = 0;
        for (String name : names) {
            double[] e = expected.get(name).values();
            System.arraycopy(e, 0, expectedAll, at, e.length);
            System.arraycopy(actual.get(name).values(), 0, actualAll, at, e.length);
            at += e.length;
        }
        return compare(reference, expectedAll, actualAll, tolerance);
    }

    private static OutputValues require(Map<String, OutputValues> outputs, String name, String side) {
        OutputValues v = outputs.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no output '" + name + "' from " + side + "; it has " + outputs.keySet());
        }
        return v;
    }

    /** One output's shape and elements widened to double, read back from a tensor (device tensors are copied to the host). */
    public record OutputValues(Shape shape, double[] values) {

        public static OutputValues of(Tensor t) {
            double[] values = switch (t.elementType()) {
                case FLOAT32, FLOAT16, BFLOAT16 -> widen(t.toFloatArray());
                case INT32, INT8, UINT8 -> java.util.Arrays.stream(t.toIntArray()).asDoubleStream().toArray();
                case INT64 -> java.util.Arrays.stream(t.toLongArray()).asDoubleStream().toArray();
                case BOOL -> {
                    boolean[] b = t.toBooleanArray();
                    double[] d = new double[b.length];
                    for (int i = 0; i < b.length; i++) {
                        d[i] = b[i] ? 1 : 0;
                    }
                    yield d;
                }
            };
            return new OutputValues(t.shape(), values);
        }

        private static double[] widen(float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
    }
}
