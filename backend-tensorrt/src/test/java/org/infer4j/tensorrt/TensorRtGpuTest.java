package org.infer4j.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.MemoryLocation;
import org.infer4j.OutOfDeviceMemoryException;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the tensorrt backend promises: dynamic profiles, the engine cache, device tensors. Needs a GPU. */
class TensorRtGpuTest {
    @TempDir
    Path cacheDir;

    @BeforeEach
    void requireGpu() {
        Availability a = Backends.discover().find("tensorrt").orElseThrow().availability();
        assumeTrue(a.isAvailable(), () -> "tensorrt cannot run here: " + a);
    }

    private InferenceEngine engine(String model, TensorRtSettings.Builder settings) {
        return InferenceEngine.builder().backend("tensorrt").model(ReferenceModel.named(model).onnxBytes())
                .settings(settings.cacheDirectory(cacheDir).build()).build();
    }

    private static Map<String, Tensor> tokens(int batch, int seq, long seed) {
        Random r = new Random(seed);
        long[] ids = new long[batch * seq];
        long[] mask = new long[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(100);
            mask[i] = 1;
        }
        return Map.of("input_ids", Tensor.of(ids, batch, seq), "attention_mask", Tensor.of(mask, batch, seq));
    }

    @Test
    void aProfileTooLargeForTheGpuIsAnOutOfDeviceMemoryExceptionAndLaterEnginesRun() {
        // mlp_tiny's buffers and activations at a batch of 2^31 - 1 (TensorRT's largest dimension) need about
        // 400 GB, more than any GPU has
        assertThatThrownBy(() -> InferenceEngine.builder().backend("tensorrt").model(ReferenceModel.named("mlp_tiny").onnxBytes())
                .shapeRange("input", new long[] {1, 16}, new long[] {1, 16}, new long[] {Integer.MAX_VALUE, 16})
                .settings(TensorRtSettings.builder().cacheDirectory(cacheDir).build()).build())
                .isInstanceOf(OutOfDeviceMemoryException.class).hasMessageContaining("shape range");

        ReferenceModel mlp = ReferenceModel.named("mlp_tiny");
        Map<String, Tensor> in = mlp.inputs();
        Map<String, Tensor> expected = mlp.expectedOutputs();
        try (InferenceEngine e = engine("mlp_tiny", TensorRtSettings.builder()); Outputs out = e.run(in)) {
            assertThat(out.get("output").toFloatArray()).containsExactly(expected.get("output").toFloatArray(), within(1e-4f));
        } finally {
            in.values().forEach(Tensor::close);
            expected.values().forEach(Tensor::close);
        }
    }

    @Test
    void oneEngineRunsBatchAndSequenceLengthsAcrossItsProfile() {
        try (InferenceEngine e = InferenceEngine.builder().backend("tensorrt")
                .model(ReferenceModel.named("encoder_tiny").onnxBytes())
                .shapeRange("input_ids", ShapeRange.of(new long[] {1, 1}, new long[] {1, 128}, new long[] {4, 256}))
                .settings(TensorRtSettings.builder().tf32(false).cacheDirectory(cacheDir).build()).build()) {
            for (int[] bs : new int[][] {{1, 32}, {1, 128}, {4, 256}}) {
                Map<String, Tensor> in = tokens(bs[0], bs[1], 1);
                try (Outputs out = e.run(in)) {
                    assertThat(out.get("output").shape()).isEqualTo(Shape.of(bs[0], bs[1], 16));
                    float[] values = out.get("output").toFloatArray();
                    for (float v : values) {
                        assertThat(Float.isFinite(v)).as("every output value is finite").isTrue();
                    }
                } finally {
                    in.values().forEach(Tensor::close);
                }
            }
            // rows of a batch are independent: the first row of the 4x256 batch equals that row alone
            Map<String, Tensor> batch = tokens(4, 256, 9);
            long[] firstRow = Arrays.copyOf(batch.get("input_ids").toLongArray(), 256);
            try (Tensor ids = Tensor.of(firstRow, 1, 256); Tensor mask = Tensor.of(filled(256), 1, 256);
                 Outputs all = e.run(batch); Outputs one = e.run(Map.of("input_ids", ids, "attention_mask", mask))) {
                float[] a = Arrays.copyOf(all.get("output").toFloatArray(), 256 * 16);
                assertThat(maxAbsDifference(a, one.get("output").toFloatArray())).isLessThan(1e-4);
            } finally {
                batch.values().forEach(Tensor::close);
            }
        }
    }

    @Test
    void outputShapesAreThoseARunGivesAcrossTheProfileAndBadInputsAreRejected() {
        try (InferenceEngine e = InferenceEngine.builder().backend("tensorrt")
                .model(ReferenceModel.named("encoder_tiny").onnxBytes())
                .shapeRange("input_ids", ShapeRange.of(new long[] {1, 1}, new long[] {1, 128}, new long[] {4, 256}))
                .settings(TensorRtSettings.builder().cacheDirectory(cacheDir).build()).build()) {
            TensorRtEngine trt = (TensorRtEngine) e;
            for (int[] bs : new int[][] {{4, 256}, {1, 32}}) {
                Map<String, Tensor> in = tokens(bs[0], bs[1], 1);
                try (Outputs out = e.run(in)) {
                    assertThat(trt.outputShapes(in)).containsExactly(Map.entry("output", Shape.of(bs[0], bs[1], 16)))
                            .containsExactly(Map.entry("output", out.get("output").shape()));
                } finally {
                    in.values().forEach(Tensor::close);
                }
            }
            Map<String, Tensor> tooLong = tokens(1, 300, 1);
            try {
                assertThatThrownBy(() -> trt.outputShapes(tooLong)).isInstanceOf(InvalidInputException.class)
                        .hasMessageContaining("300").hasMessageContaining("shapeRange");
                assertThatThrownBy(() -> trt.outputShapes(Map.of("input_ids", tooLong.get("input_ids"))))
                        .isInstanceOf(InvalidInputException.class).hasMessageContaining("missing input 'attention_mask'");
            } finally {
                tooLong.values().forEach(Tensor::close);
            }
            e.close();
            Map<String, Tensor> in = tokens(1, 32, 1);
            try {
                assertThatThrownBy(() -> trt.outputShapes(in)).isInstanceOf(IllegalStateException.class);
            } finally {
                in.values().forEach(Tensor::close);
            }
        }
    }

    @Test
    void aShapeOutsideTheProfileIsRejectedNamingTheRangeAndTheFix() {
        try (InferenceEngine e = engine("mlp_tiny", TensorRtSettings.builder()); Tensor x = Tensor.allocate(ElementType.FLOAT32, 64, 16)) {
            assertThatThrownBy(() -> e.run(Map.of("input", x))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("'input'").hasMessageContaining("[64, 16]").hasMessageContaining("shapeRange");
        }
    }

    @Test
    void aSecondBuildLoadsTheCachedEngineAndAnswersTheSame() {
        float[] first;
        try (InferenceEngine cold = engine("cnn_tiny", TensorRtSettings.builder())) {
            assertThat(cold.stats().counter("tensorrt.fromCache")).isZero();
            first = runOnce(cold);
        }
        try (InferenceEngine warm = engine("cnn_tiny", TensorRtSettings.builder())) {
            assertThat(warm.stats().counter("tensorrt.fromCache")).as("loaded, not built").isEqualTo(1);
            assertThat(runOnce(warm)).containsExactly(first);
        }
    }

    @Test
    void blockingSyncAnswersExactlyAsPollingDoesFromManyThreadsAndSaysItIsOn() throws Exception {
        float[] polled;
        try (InferenceEngine polling = engine("cnn_tiny", TensorRtSettings.builder())) {
            assertThat(polling.stats().counter("tensorrt.blockingSync")).isZero();
            polled = runOnce(polling);
        }
        try (InferenceEngine sleeping = engine("cnn_tiny", TensorRtSettings.builder().blockingSync(true))) {
            assertThat(sleeping.stats().counter("tensorrt.blockingSync")).isEqualTo(1);
            List<Future<float[]>> answers = new ArrayList<>();
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                for (int i = 0; i < 64; i++) {
                    answers.add(callers.submit(() -> runOnce(sleeping)));
                }
                for (Future<float[]> answer : answers) {
                    assertThat(answer.get()).as("the same engine file, so bit for bit").containsExactly(polled);
                }
            } finally {
                callers.shutdown();
            }
        }
    }

    @Test
    void theCacheKeepsOneEngineFileThatTheNextStartLoadsAndNoneWhenOff() throws Exception {
        try (InferenceEngine e = engine("mlp_tiny", TensorRtSettings.builder().engineCache(false))) {
            assertThat(e.stats().counter("tensorrt.fromCache")).isZero();
        }
        assertThat(engineFiles()).as("cache off").isEmpty();
        try (InferenceEngine e = engine("mlp_tiny", TensorRtSettings.builder())) {
            assertThat(e.stats().counter("tensorrt.fromCache")).isZero();
        }
        List<Path> built = engineFiles();
        assertThat(built).hasSize(1);
        try (InferenceEngine e = engine("mlp_tiny", TensorRtSettings.builder())) {
            assertThat(e.stats().counter("tensorrt.fromCache")).isOne();
        }
        assertThat(engineFiles()).as("loaded, not written again under another name").isEqualTo(built);
    }

    private List<Path> engineFiles() throws IOException {
        try (Stream<Path> files = Files.list(cacheDir)) {
            return files.filter(p -> p.toString().endsWith(".engine")).toList();
        }
    }

    @Test
    void aCorruptCachedEngineIsRebuiltNotACrash() throws Exception {
        try (InferenceEngine cold = engine("mlp_tiny", TensorRtSettings.builder())) {
            runOnce(cold);
        }
        try (Stream<Path> files = Files.list(cacheDir)) {
            for (Path engineFile : files.filter(p -> p.toString().endsWith(".engine")).toList()) {
                byte[] bytes = Files.readAllBytes(engineFile);
                bytes[bytes.length / 2] ^= 0x55;
                Files.write(engineFile, bytes);
            }
        }
        try (InferenceEngine rebuilt = engine("mlp_tiny", TensorRtSettings.builder())) {
            assertThat(rebuilt.stats().counter("tensorrt.fromCache")).isZero();
            assertThat(runOnce(rebuilt)).hasSize(4);
        }
    }

    @Test
    void longBuildsReportProgressToTheListener() {
        List<String> messages = new CopyOnWriteArrayList<>();
        try (InferenceEngine e = engine("gru_tiny", TensorRtSettings.builder()
                .buildListener((model, elapsed, message) -> messages.add(model + ": " + message)))) {
            assertThat(e.inputs()).hasSize(1);
        }
        assertThat(messages).isNotEmpty();
    }

    @Test
    void deviceTensorsChainWithoutHostCopiesAndAgreeWithHostRuns() {
        try (InferenceEngine e = engine("mlp_tiny", TensorRtSettings.builder().tf32(false))) {
            TensorRtEngine trt = (TensorRtEngine) e;
            float[] values = new float[2 * 16];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) Math.sin(i);
            }
            try (Tensor host = Tensor.of(values, 2, 16); Tensor input = trt.allocateDevice("input", 2, 16);
                 Tensor output = trt.allocateDevice("output", 2, 4); Tensor back = Tensor.allocate(ElementType.FLOAT32, 2, 4);
                 Outputs expected = e.run(Map.of("input", host))) {
                assertThat(input.location()).isEqualTo(MemoryLocation.DEVICE);
                input.copyFrom(host);
                e.run(Map.of("input", input), Map.of("output", output));
                back.copyFrom(output);
                assertThat(back.toFloatArray()).containsExactly(expected.get("output").toFloatArray());
                assertThat(output.toFloatArray()).containsExactly(expected.get("output").toFloatArray());
            }
        }
    }

    @Test
    void aDeviceTensorOfTheWrongShapeIsRejected() {
        try (InferenceEngine e = engine("mlp_tiny", TensorRtSettings.builder())) {
            assertThatThrownBy(() -> ((TensorRtEngine) e).allocateDevice("input", 2, 15))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("expected 16");
            assertThatThrownBy(() -> ((TensorRtEngine) e).allocateDevice("pixels", 2, 16))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("'pixels'");
        }
    }

    /**
     * After many build-free inferences, bindings, device tensors and cached engine loads, each
     * closed again, GPU memory in use returns to where it started. Loops: {@code
     * -Dinfer4j.memoryTest.loops} (default 10 000).
     */
    @Test
    void gpuMemoryReturnsToItsStartingLevelAfterManyRunsAndCloses() {
        int loops = Integer.getInteger("infer4j.memoryTest.loops", 10_000);
        try (InferenceEngine warmup = engine("cnn_tiny", TensorRtSettings.builder())) {
            runOnce(warmup); // the engine file is cached, CUDA and TensorRT are initialised
        }
        long before = GpuMemory.used();
        try (InferenceEngine e = engine("cnn_tiny", TensorRtSettings.builder())) {
            TensorRtEngine trt = (TensorRtEngine) e;
            for (int i = 0; i < loops; i++) {
                try (Tensor x = e.allocate("input", 1, 3, 16, 16); Outputs out = e.run(Map.of("input", x))) {
                    assertThat(out.get("output").shape()).isEqualTo(Shape.of(1, 4));
                }
                if (i % 10 == 0) {
                    try (Tensor d = trt.allocateDevice("input", 1, 3, 16, 16); Binding b = e.bind(Map.of("input", d))) {
                        b.run();
                    }
                }
            }
        }
        for (int i = 0; i < Math.max(1, loops / 500); i++) {
            try (InferenceEngine reopened = engine("cnn_tiny", TensorRtSettings.builder())) {
                runOnce(reopened);
            }
        }
        long after = GpuMemory.used();
        // the CUDA allocator keeps pools in 2 MiB granules; more than a few granules would be a leak
        assertThat(after - before).as("GPU memory in use grew by %d bytes", after - before).isLessThan(8L << 20);
    }

    /**
     * Closing a binding while another thread runs it (misuse, but it must not corrupt memory): close
     * waits for the run in flight, then frees the binding's outputs; later runs throw. Run under
     * scripts/gpu/phases/sanitize.sh for glibc's and memcheck's view.
     */
    @Test
    void closingABindingWhileAnotherThreadRunsItWaitsAndLaterRunsThrow() throws Exception {
        ReferenceModel mlp = ReferenceModel.named("mlp_tiny");
        Map<String, Tensor> in = mlp.inputs();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (InferenceEngine e = engine("mlp_tiny", TensorRtSettings.builder())) {
            for (int round = 0; round < 20; round++) {
                Binding b = e.bind(in);
                b.run();
                Future<Integer> runs = runner.submit(() -> {
                    int n = 0;
                    try {
                        while (true) {
                            b.run();
                            n++;
                        }
                    } catch (IllegalStateException closed) {
                        return n;
                    }
                });
                Thread.sleep(round % 4);
                b.close();
                assertThat(runs.get()).isGreaterThanOrEqualTo(0);
                assertThatThrownBy(b::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            }
            try (Outputs out = e.run(in)) { // the engine is unharmed
                assertThat(out.get("output").isClosed()).isFalse();
            }
        } finally {
            runner.shutdownNow();
            in.values().forEach(Tensor::close);
        }
    }

    private static float[] runOnce(InferenceEngine e) {
        Shape in = e.inputs().get(0).shape();
        long[] dims = in.toArray();
        dims[0] = 1;
        try (Tensor x = Tensor.allocate(ElementType.FLOAT32, dims)) {
            float[] ones = new float[(int) x.elementCount()];
            Arrays.fill(ones, 0.5f);
            x.buffer().asFloatBuffer().put(ones);
            try (Outputs out = e.run(Map.of(e.inputs().get(0).name(), x))) {
                return out.get(e.outputs().get(0).name()).toFloatArray();
            }
        }
    }

    private static long[] filled(int n) {
        long[] a = new long[n];
        Arrays.fill(a, 1);
        return a;
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
