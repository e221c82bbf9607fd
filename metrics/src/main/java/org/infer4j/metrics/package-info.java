/**
 * Measurements applications embed: {@link org.infer4j.metrics.LatencyRecorder} (nanosecond latency
 * histograms, HdrHistogram inside) and {@link org.infer4j.metrics.GpuSampler} (GPU utilisation, memory,
 * power, temperature and clocks sampled from NVML in the background, with history, summaries and
 * thresholds).
 *
 * <p>Only HdrHistogram is required. GPU sampling needs JavaCPP's CUDA preset
 * ({@code org.bytedeco:cuda} and {@code org.bytedeco:javacpp}, each with its {@code linux-x86_64} jar)
 * on the class path, the driver's {@code libnvidia-ml.so.1} and {@code libcuda.so.1}, and the CUDA 12 runtime
 * {@code libcudart.so.12} (JavaCPP loads its CUDA runtime bindings before NVML's); without them the sampler reports
 * itself unavailable with the reason, and nothing throws.
 */
@NullMarked
package org.infer4j.metrics;

import org.jspecify.annotations.NullMarked;
