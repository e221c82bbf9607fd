package org.infer4j.examples.internal;

import java.util.List;
import java.util.Map;
import org.infer4j.EngineStats;
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
 * @param throughputFps samples per second: batch times timed runs per second of the timed window(s)
 * @param gpuSamplePeriod how often the GPU was sampled during the timed window(s): {@code 100ms}, {@code off}, ...
 * @param gpu what the GPU did during the timed window(s); null when sampling was off
 * @param rounds how the run was split into rounds alternating with other sample periods; null for one plain run
 * @param gpuSamplingOverhead this run's p50 against the same run with sampling off; null unless both were measured
 * @param device the backend's own account of where it runs ({@code backend}) and the caller's
 *        {@code --device-info}
 * @param versions infer4j, Java and the native libraries the backends report
 */
public record RunReport(String timestamp, String hostname, String model, String modelPath, String backend, String precision,
                        int batch, @Nullable Integer seqLen, boolean cudaGraphs, Map<String, InputReport> inputs, int warmup,
                        long iterations, @Nullable Double durationS, long seed, double buildMs, LatencyMicros latencyUs,
                        double throughputFps, String gpuSamplePeriod, @Nullable GpuReport gpu, @Nullable Rounds rounds,
                        @Nullable SamplingOverhead gpuSamplingOverhead, Agreement agreement, Map<String, String> device,
                        Map<String, String> versions, EngineStats engineStats, Map<String, String> options) {

    /** A plain run without GPU sampling (the fields as they were before GPU sampling came). */
    public RunReport(String timestamp, String hostname, String model, String modelPath, String backend, String precision,
                     int batch, @Nullable Integer seqLen, boolean cudaGraphs, Map<String, InputReport> inputs, int warmup,
                     long iterations, @Nullable Double durationS, long seed, double buildMs, LatencyMicros latencyUs,
                     double throughputFps, Agreement agreement, Map<String, String> device, Map<String, String> versions,
                     EngineStats engineStats, Map<String, String> options) {
        this(timestamp, hostname, model, modelPath, backend, precision, batch, seqLen, cudaGraphs, inputs, warmup, iterations,
                durationS, seed, buildMs, latencyUs, throughputFps, SamplePeriod.OFF.label(), null, null, null, agreement, device,
                versions, engineStats, options);
    }

    /** One input as it was fed: element type and shape. */
    public record InputReport(String dtype, List<Long> shape) {
    }
}
