package org.infer4j.bench.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.EngineStats;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.jspecify.annotations.Nullable;

/**
 * Everything about one measured run (one model on one backend, precision and input shape): what
 * was run, on what, how fast, and how closely it agreed with the reference. It is the JSON file's
 * content, written with snake_case names ({@code build_ms}, {@code latency_us}, ...). Immutable.
 *
 * @param inputs each input's element type and shape
 * @param iterations the number of timed iterations actually run
 * @param durationS the requested duration in seconds, or null when a number of iterations was requested
 * @param buildMs how long building the engine took (model load and, for TensorRT, compilation)
 * @param firstRunMs the first call of this workload, timed apart before the warm-up: where a backend compiles
 *        lazily (ONNX Runtime's TensorRT provider without shape ranges builds its engine for the shapes it first
 *        sees), this is where the build time went
 * @param throughputFps samples per second: batch times timed runs per second of the timed window(s)
 * @param gpuSamplePeriod how often the GPU was sampled during the timed window(s): {@code 100ms}, {@code off}, ...
 * @param gpu what the GPU did during the timed window(s); null when sampling was off
 * @param rounds how the run was split into rounds alternating with other sample periods; null for one plain run
 * @param gpuSamplingOverhead this run's p50 against the same run with sampling off; null unless both were measured
 * @param device the backend's own account of where it runs ({@code backend}) and the caller's
 *        {@code --device-info}
 * @param versions infer4j, Java and the native libraries the backends report
 * @param profile {@code dynamic}: the engine's shape ranges span every workload of the sweep; {@code static}: they are
 *        fixed to this run's shapes (one engine per workload)
 * @param profileRanges each open input's shape range the engine was built for (TensorRT optimises for {@code opt});
 *        runs of engines built for different ranges are different experiments (a batch-1 run on an engine built for
 *        batch 1 to 32 is slower than on one built for batch 1). ONNX Runtime's CUDA and CPU providers take any
 *        shape and ignore them; their runs carry the ranges of the sweep they were part of
 * @param threads caller threads on the one engine, each with its own binding
 * @param load closed loop or fixed rate, and the rate achieved
 * @param latencyPercentilesUs the latency distribution as {@code [percentile, us]} points, for plots
 * @param hygiene the measurement hygiene, in words (see {@link Hygiene})
 * @param pytorch PyTorch's figures for the same model and precision (from models.py's NAME.json); null if none
 * @param accuracy the comparison with the reference's FP32 outputs over further inputs; null if none was asked for
 *        or the reference cannot run
 */
public record RunReport(String timestamp, String hostname, String model, String modelPath, String backend, String precision,
                        int batch, @Nullable Integer seqLen, boolean cudaGraphs, Map<String, InputReport> inputs, int warmup,
                        long iterations, @Nullable Double durationS, long seed, double buildMs, double firstRunMs, LatencyMicros latencyUs,
                        double throughputFps, String gpuSamplePeriod, @Nullable GpuReport gpu, @Nullable Rounds rounds,
                        @Nullable SamplingOverhead gpuSamplingOverhead, Agreement agreement, Map<String, String> device,
                        Map<String, String> versions, EngineStats engineStats, Map<String, String> options, String profile,
                        Map<String, ProfileRange> profileRanges, int threads, LoadReport load, List<List<Double>> latencyPercentilesUs, Map<String, String> hygiene,
                        PyTorchPeer.@Nullable Report pytorch, Accuracy.@Nullable Result accuracy) {

    /**
     * How the run was driven.
     *
     * @param mode {@code closed} (each thread runs again as soon as its last run returns) or {@code fixed-rate}
     * @param offeredRatePerS the fixed rate asked for, requests (runs) per second; null in a closed loop
     * @param achievedRatePerS runs completed per second of the timed window(s)
     * @param keptUp for a fixed rate, whether the achieved rate reached 95 % of the offered one; null in a closed loop
     * @param maxStartLagUs for a fixed rate, the longest a request waited past its intended start
     */
    public record LoadReport(String mode, int threads, @Nullable Double offeredRatePerS, double achievedRatePerS,
                             @Nullable Boolean keptUp, @Nullable Double maxStartLagUs) {
        /** Achieved / offered rate below which a fixed-rate run did not keep up. */
        public static final double KEPT_UP_RATIO = 0.95;

        public static LoadReport of(Sweep.Load load, double achievedRatePerS, long maxStartLagNanos) {
            if (!load.isFixedRate()) {
                return new LoadReport(load.mode(), load.threads(), null, achievedRatePerS, null, null);
            }
            return new LoadReport(load.mode(), load.threads(), load.ratePerSecond(), achievedRatePerS,
                    achievedRatePerS >= KEPT_UP_RATIO * load.ratePerSecond(), maxStartLagNanos / 1e3);
        }
    }

    /** One input's shape range: TensorRT's min, opt and max shapes. */
    public record ProfileRange(List<Long> min, List<Long> opt, List<Long> max) {
        public static Map<String, ProfileRange> of(Map<String, ShapeRange> ranges) {
            Map<String, ProfileRange> out = new LinkedHashMap<>();
            ranges.forEach((name, r) -> out.put(name, new ProfileRange(dims(r.min()), dims(r.optimal()), dims(r.max()))));
            return out;
        }

        private static List<Long> dims(Shape shape) {
            return Arrays.stream(shape.toArray()).boxed().toList();
        }
    }

    /** One input as it was fed: element type and shape. */
    public record InputReport(String dtype, List<Long> shape) {
    }
}
