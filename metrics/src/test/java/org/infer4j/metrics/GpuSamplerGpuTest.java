package org.infer4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's GPU checks, on a saturating workload: ResNet-50 at batch 64 through ONNX Runtime's CUDA
 * provider. Skips itself without NVML, without ort-cuda, or without the model, which it takes from
 * {@code $INFER4J_RESNET50} (default {@code /opt/gpu/models/resnet50.onnx}, where the GPU scripts put it).
 * Writes its JSON to {@code $INFER4J_RESULTS/metrics/} (default {@code /tmp/infer4j-results/metrics/}).
 */
class GpuSamplerGpuTest {
    private static final Path MODEL = Path.of(System.getenv().getOrDefault("INFER4J_RESNET50",
            "/opt/gpu/models/resnet50.onnx"));
    private static final Path RESULTS = Path.of(System.getenv().getOrDefault("INFER4J_RESULTS",
            "/tmp/infer4j-results")).resolve("metrics");
    private static final int BATCH = 64;

    private static InferenceEngine engine;
    private static Tensor input;
    private static Binding binding;

    @BeforeAll
    static void loadResnet50() {
        try (GpuSampler probe = GpuSampler.start()) {
            assumeTrue(probe.isAvailable(), "no NVML: " + probe.unavailableReason());
        }
        assumeTrue(Files.isRegularFile(MODEL), "no ResNet-50 at " + MODEL + " (set INFER4J_RESNET50)");
        var ortCuda = Backends.discover().find("ort-cuda");
        assumeTrue(ortCuda.isPresent() && ortCuda.get().availability().isAvailable(),
                "ort-cuda unavailable: " + ortCuda.map(p -> p.availability().toString()).orElse("not found"));
        engine = InferenceEngine.builder().model(MODEL).backend("ort-cuda").build();
        input = Tensor.of(new float[BATCH * 3 * 224 * 224], BATCH, 3, 224, 224);
        binding = engine.bind(Map.of("input", input));
        runFor(Duration.ofSeconds(2)); // warm-up: cuDNN algorithm search, memory pools
    }

    @AfterAll
    static void release() {
        if (binding != null) {
            binding.close();
        }
        if (input != null) {
            input.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aSaturatingRunIsSampledAtLeastTenTimesASecondAndShowsTheGpuBusy() throws IOException {
        try (GpuSampler sampler = GpuSampler.start(Duration.ofMillis(10))) {
            sleep(Duration.ofSeconds(2));
            long idleFrom = sampler.snapshot().fromNanos();
            long busyFrom = System.nanoTime();
            LatencySnapshot latency = runFor(Duration.ofSeconds(10));
            long busyTo = System.nanoTime();
            GpuSnapshot busy = sampler.snapshot(busyFrom, busyTo);
            GpuSnapshot idle = sampler.snapshot(idleFrom, busyFrom);
            write("saturating-resnet50-b64.json", Map.of("latency", latency.toMap(), "gpu_busy", busy.toMap(false),
                    "gpu_idle_before", idle.toMap(false), "gpu_busy_series", busy.toMap(true)));

            GpuSnapshot.Device gpu = busy.devices().get(0);
            assertThat(gpu.sampleRatePerSecond()).isGreaterThanOrEqualTo(10);
            assertThat(gpu.sampleCount()).isGreaterThanOrEqualTo(100);
            assertThat(gpu.summary(GpuMetric.GPU_UTILIZATION).mean()).isGreaterThan(80);
            GpuSnapshot.Device idleGpu = idle.devices().get(0);
            assertThat(gpu.summary(GpuMetric.POWER).mean()).isGreaterThan(idleGpu.summary(GpuMetric.POWER).mean());
            assertThat(gpu.summary(GpuMetric.MEMORY_USED).max())
                    .isGreaterThanOrEqualTo(idleGpu.summary(GpuMetric.MEMORY_USED).max());
        }
    }

    @Test
    void idleBusyIdleIsTrackedInUtilisationAndPower() throws IOException {
        try (GpuSampler sampler = GpuSampler.start(Duration.ofMillis(10))) {
            long start = System.nanoTime();
            sleep(Duration.ofSeconds(3));
            long busyFrom = System.nanoTime();
            LatencySnapshot latency = runFor(Duration.ofSeconds(5));
            long busyTo = System.nanoTime();
            sleep(Duration.ofSeconds(3));
            long end = System.nanoTime();

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("phases_ms", Map.of("busy_from", (busyFrom - start) / 1e6, "busy_to", (busyTo - start) / 1e6,
                    "end", (end - start) / 1e6));
            json.put("latency", latency.toMap());
            json.put("gpu", sampler.snapshot(start, end).toMap(true));
            write("idle-busy-idle-resnet50-b64.json", json);

            double idleBefore = sampler.summary(0, GpuMetric.GPU_UTILIZATION, start, busyFrom).mean();
            double busy = sampler.summary(0, GpuMetric.GPU_UTILIZATION, busyFrom + 500_000_000L, busyTo).mean();
            double idleAfter = sampler.summary(0, GpuMetric.GPU_UTILIZATION, busyTo + 1_000_000_000L, end).mean();
            assertThat(busy).isGreaterThan(80).isGreaterThan(idleBefore + 50).isGreaterThan(idleAfter + 50);
            assertThat(sampler.summary(0, GpuMetric.POWER, busyFrom + 500_000_000L, busyTo).mean())
                    .isGreaterThan(sampler.summary(0, GpuMetric.POWER, start, busyFrom).mean());
        }
    }

    @Test
    void samplingEveryTenMillisecondsChangesTheMedianLatencyByLessThanOnePercent() throws IOException {
        // alternate off and on so that clock and thermal drift fall on both sides equally
        LatencySnapshot off = LatencyRecorder.create().snapshot();
        LatencySnapshot on = off;
        for (int round = 0; round < 4; round++) {
            off = off.merge(runFor(Duration.ofSeconds(3)));
            try (GpuSampler sampler = GpuSampler.start(Duration.ofMillis(10))) {
                on = on.merge(runFor(Duration.ofSeconds(3)));
            }
        }
        double change = (on.p50() - off.p50()) / (double) off.p50();
        write("sampler-overhead-resnet50-b64.json", Map.of("sampler_off", off.toMap(), "sampler_10ms", on.toMap(),
                "p50_relative_change", change));

        assertThat(Math.abs(change)).isLessThan(0.01);
    }

    private static LatencySnapshot runFor(Duration duration) {
        LatencyRecorder recorder = LatencyRecorder.create();
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            long start = System.nanoTime();
            binding.run();
            recorder.record(System.nanoTime() - start);
        }
        return recorder.snapshot();
    }

    private static void write(String name, Map<String, ?> json) throws IOException {
        Files.createDirectories(RESULTS);
        Map<String, Object> withDevice = new LinkedHashMap<>();
        withDevice.put("device", System.getenv().getOrDefault("INFER4J_DEVICE_INFO", "unknown"));
        withDevice.putAll(json);
        Files.writeString(RESULTS.resolve(name), Json.object(withDevice));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
