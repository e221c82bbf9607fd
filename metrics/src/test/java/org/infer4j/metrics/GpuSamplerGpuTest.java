package org.infer4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Precision;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's GPU checks, on a saturating workload: ResNet-50 at batch 64 in FP16 through native
 * TensorRT, from two threads with bindings of their own (two contexts, two streams), so that one
 * thread's 19 MB input upload overlaps the other's kernels. One thread through ONNX Runtime's CUDA
 * provider kept the H100 only ~66 % busy (measured): NVML's utilisation counts time with a kernel
 * running, and the upload from pageable memory between runs leaves the GPU idle. Without tensorrt
 * it falls back to ort-cuda, where the 80 % bound is not expected to hold.
 * Skips itself without NVML, without a GPU backend, or without the model, which it takes from
 * {@code $INFER4J_RESNET50} (default {@code /opt/gpu/models/resnet50.onnx}, where the GPU scripts put it).
 * Writes its JSON to {@code $INFER4J_RESULTS/metrics/} (default {@code /tmp/infer4j-results/metrics/}).
 */
class GpuSamplerGpuTest {
    private static final Path MODEL = Path.of(System.getenv().getOrDefault("INFER4J_RESNET50",
            "/opt/gpu/models/resnet50.onnx"));
    private static final Path RESULTS = Path.of(System.getenv().getOrDefault("INFER4J_RESULTS",
            "/tmp/infer4j-results")).resolve("metrics");
    private static final int BATCH = 64;

    private static final int THREADS = 2;

    private static InferenceEngine engine;
    private static final List<Tensor> inputs = new ArrayList<>();
    private static final List<Binding> bindings = new ArrayList<>();

    @BeforeAll
    static void loadResnet50() {
        try (GpuSampler probe = GpuSampler.start()) {
            assumeTrue(probe.isAvailable(), "no NVML: " + probe.unavailableReason());
        }
        assumeTrue(Files.isRegularFile(MODEL), "no ResNet-50 at " + MODEL + " (set INFER4J_RESNET50)");
        Backends backends = Backends.discover();
        boolean tensorRt = backends.find("tensorrt").map(p -> p.availability().isAvailable()).orElse(false);
        var ortCuda = backends.find("ort-cuda");
        assumeTrue(tensorRt || ortCuda.isPresent() && ortCuda.get().availability().isAvailable(),
                "neither tensorrt nor ort-cuda can run here: " + ortCuda.map(p -> p.availability().toString()).orElse("not found"));
        engine = tensorRt
                ? InferenceEngine.builder().model(MODEL).backend("tensorrt").precision(Precision.FP16)
                        .shapeRange("input", ShapeRange.fixed(BATCH, 3, 224, 224)).build()
                : InferenceEngine.builder().model(MODEL).backend("ort-cuda").build();
        for (int t = 0; t < THREADS; t++) {
            Tensor input = engine.allocate("input", BATCH, 3, 224, 224); // page-locked where the backend offers it
            inputs.add(input);
            bindings.add(engine.bind(Map.of("input", input)));
        }
        runFor(Duration.ofSeconds(2)); // warm-up: algorithm search, memory pools
    }

    @AfterAll
    static void release() {
        bindings.forEach(Binding::close);
        inputs.forEach(Tensor::close);
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

    /** Every binding runs in a loop on its own thread for {@code duration}; the latencies of all of them. */
    private static LatencySnapshot runFor(Duration duration) {
        LatencyRecorder recorder = LatencyRecorder.create();
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (Binding binding : bindings) {
            Thread thread = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        long start = System.nanoTime();
                        binding.run();
                        recorder.record(System.nanoTime() - start);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "gpu-load");
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        assertThat(failures).as("failures of the load threads").isEmpty();
        return recorder.snapshot();
    }

    private static void write(String name, Map<String, ?> json) throws IOException {
        Files.createDirectories(RESULTS);
        Map<String, Object> withDevice = new LinkedHashMap<>();
        withDevice.put("device", System.getenv().getOrDefault("INFER4J_DEVICE_INFO", "unknown"));
        withDevice.put("backend", engine.backend());
        withDevice.put("load", BATCH + " images per run, " + THREADS + " threads");
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
