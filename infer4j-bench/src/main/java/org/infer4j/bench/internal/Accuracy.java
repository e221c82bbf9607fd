package org.infer4j.bench.internal;

import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.jspecify.annotations.Nullable;

/**
 * How a reduced-precision engine's answers compare with FP32 answers to the same inputs, over many inputs:
 * the largest absolute difference, the cosine similarity of all outputs taken as one vector, and top-1
 * agreement, the share of rows (the last axis of each output, e.g. a classifier's logits or a token's
 * vocabulary scores) whose largest element is at the same position. For models with random weights agreement
 * with FP32 is the measure, since there are no labels to be right about.
 *
 * <p>Each precision has a stated {@link Bound} on cosine similarity and top-1 agreement; a result outside it
 * is marked ({@link Result#withinBound()} false, {@link Result#breach()} says how), and the benchmark's
 * report shows the mark. The largest absolute difference is reported, not bounded: its size depends on the
 * outputs' scale.
 */
public final class Accuracy {
    private Accuracy() {
    }

    /**
     * The least cosine similarity and top-1 agreement with FP32 a precision must reach.
     *
     * @param minCosine the least cosine similarity
     * @param minTop1 the least share of rows whose arg-max agrees, 0..1
     */
    public record Bound(double minCosine, double minTop1) {
        /**
         * The stated bound of each precision. FP32 on GPUs runs matrix products in TF32 unless told not to:
         * cosine 0.9999, top-1 99.9 %. FP16: cosine 0.999, top-1 99 %. INT8 and FP8: cosine 0.99 and top-1
         * 99 %, the goal for INT8 on ResNet-50.
         *
         * @param precision the precision measured
         * @return its bound
         */
        public static Bound of(Precision precision) {
            return switch (precision) {
                case FP32 -> new Bound(0.9999, 0.999);
                case FP16 -> new Bound(0.999, 0.99);
                case INT8, FP8 -> new Bound(0.99, 0.99);
            };
        }
    }

    /**
     * The comparison over all inputs.
     *
     * @param reference what the candidate was compared with, e.g. {@code ort-cpu FP32}
     * @param inputs how many inputs (calls) were compared
     * @param rows how many top-1 rows were compared
     * @param maxAbs the largest absolute difference of any output element
     * @param cosine the cosine similarity of all output elements, as one vector (1 for two zero vectors)
     * @param top1 the share of rows whose arg-max agrees, NaN without rows
     * @param bound the bound the precision must stay within
     * @param withinBound whether it did
     * @param breach how it did not, or null
     */
    public record Result(String reference, int inputs, long rows, double maxAbs, double cosine, double top1, Bound bound,
                         boolean withinBound, @Nullable String breach) {
    }

    /**
     * Adds up the comparison one input at a time. Not thread-safe.
     */
    public static final class Accumulator {
        private final String reference;
        private final Bound bound;
        private int inputs;
        private long rows;
        private long agreeing;
        private double maxAbs;
        private double dot;
        private double referenceNorm;
        private double candidateNorm;
        private boolean unmatchedNan;

        /**
         * @param reference what the candidate is compared with, for the result
         * @param bound the bound to hold the result to
         */
        public Accumulator(String reference, Bound bound) {
            this.reference = reference;
            this.bound = bound;
        }

        /**
         * Adds one input's outputs.
         *
         * @param names the outputs to compare, in model order
         * @param expected the FP32 outputs
         * @param actual the candidate's outputs
         * @return this accumulator
         * @throws IllegalArgumentException if an output is missing or has another shape on one side
         */
        public Accumulator add(List<String> names, Map<String, Agreement.OutputValues> expected,
                               Map<String, Agreement.OutputValues> actual) {
            for (String name : names) {
                Agreement.OutputValues e = expected.get(name);
                Agreement.OutputValues a = actual.get(name);
                if (e == null || a == null || !e.shape().equals(a.shape())) {
                    throw new IllegalArgumentException("output '" + name + "' is " + (a == null ? "missing" : a.shape())
                            + " on the candidate and " + (e == null ? "missing" : e.shape()) + " in FP32");
                }
                addValues(e.values(), a.values(), e.shape().rank() == 0 ? 1 : (int) e.shape().dim(e.shape().rank() - 1));
            }
            inputs++;
            return this;
        }

        private void addValues(double[] e, double[] a, int rowLength) {
            for (int i = 0; i < e.length; i++) {
                if (Double.isNaN(e[i]) != Double.isNaN(a[i])) {
                    unmatchedNan = true;
                } else if (!Double.isNaN(e[i])) {
                    maxAbs = Math.max(maxAbs, Math.abs(e[i] - a[i]));
                    dot += e[i] * a[i];
                    referenceNorm += e[i] * e[i];
                    candidateNorm += a[i] * a[i];
                }
            }
            if (rowLength > 1) {
                for (int start = 0; start + rowLength <= e.length; start += rowLength) {
                    rows++;
                    if (argMax(e, start, rowLength) == argMax(a, start, rowLength)) {
                        agreeing++;
                    }
                }
            }
        }

        /**
         * The comparison so far, held to the bound.
         *
         * @return the result
         */
        public Result result() {
            double cosine = referenceNorm == 0 && candidateNorm == 0 ? 1
                    : referenceNorm == 0 || candidateNorm == 0 ? 0 : dot / Math.sqrt(referenceNorm * candidateNorm);
            double top1 = rows == 0 ? Double.NaN : (double) agreeing / rows;
            String breach = null;
            if (unmatchedNan) {
                breach = "NaN in one output where the other has a number";
            } else if (cosine < bound.minCosine()) {
                breach = String.format("cosine similarity %.6f below %s", cosine, bound.minCosine());
            } else if (rows > 0 && top1 < bound.minTop1()) {
                breach = String.format("top-1 agreement %.4f below %s", top1, bound.minTop1());
            }
            return new Result(reference, inputs, rows, maxAbs, cosine, top1, bound, breach == null, breach);
        }
    }

    /**
     * Runs {@code count} inputs through both engines and compares the candidate's outputs with the FP32 ones.
     *
     * @param fp32 the engine whose outputs count as right, running in FP32
     * @param candidate the engine measured
     * @param precision the candidate's precision, which picks the bound
     * @param count how many inputs to compare
     * @param inputs makes input {@code i}; this closes each after use
     * @return the result
     * @throws IllegalArgumentException if {@code count} is below 1, or the engines' outputs differ in names or shapes
     */
    public static Result measure(InferenceEngine fp32, InferenceEngine candidate, Precision precision, int count,
                                 IntFunction<Map<String, Tensor>> inputs) {
        if (count < 1) {
            throw new IllegalArgumentException("compare at least 1 input, not " + count);
        }
        List<String> names = candidate.outputs().stream().map(o -> o.name()).toList();
        Accumulator sum = new Accumulator(fp32.backend() + " FP32", Bound.of(precision));
        for (int i = 0; i < count; i++) {
            Map<String, Tensor> in = inputs.apply(i);
            try (Outputs expected = fp32.run(in); Outputs actual = candidate.run(in)) {
                sum.add(names, values(expected), values(actual));
            } finally {
                in.values().forEach(Tensor::close);
            }
        }
        return sum.result();
    }

    private static Map<String, Agreement.OutputValues> values(Outputs outputs) {
        Map<String, Agreement.OutputValues> values = new java.util.LinkedHashMap<>();
        outputs.forEach(e -> values.put(e.getKey(), Agreement.OutputValues.of(e.getValue())));
        return values;
    }

    private static int argMax(double[] values, int start, int length) {
        int best = start;
        for (int i = start + 1; i < start + length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best - start;
    }
}
