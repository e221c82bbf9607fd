package org.infer4j.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.EngineClosedException;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pipelined asynchronous path of {@code tensorrt}: many requests in flight on several execution
 * contexts, staged, launched and completed by different threads, must give exactly the synchronous
 * answers, whether the completer polls the streams or sleeps on events (blocking sync). Needs a GPU.
 */
class TensorRtAsyncGpuTest {
    @TempDir
    static Path cacheDir;

    @BeforeEach
    void requireGpu() {
        Availability a = Backends.discover().find("tensorrt").orElseThrow().availability();
        assumeTrue(a.isAvailable(), () -> "tensorrt cannot run here: " + a);
    }

    private static InferenceEngine engine(boolean blockingSync) {
        return InferenceEngine.builder().backend("tensorrt").model(ReferenceModel.named("cnn_tiny").onnxBytes())
                .shapeRange("input", new long[] {1, 3, 16, 16}, new long[] {4, 3, 16, 16}, new long[] {8, 3, 16, 16})
                .maxInFlight(16)
                .settings(TensorRtSettings.builder().tf32(false).contextPoolSize(3).blockingSync(blockingSync)
                        .cacheDirectory(cacheDir).build())
                .build();
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    @ParameterizedTest(name = "blockingSync {0}")
    @ValueSource(booleans = {false, true})
    void hundredsOfPipelinedRequestsGiveTheSynchronousAnswers(boolean blockingSync) {
        try (InferenceEngine e = engine(blockingSync)) {
            Random random = new Random(17);
            int requests = 300;
            List<Tensor> inputs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            try {
                for (int i = 0; i < requests; i++) {
                    int batch = 1 + i % 8;
                    float[] x = gaussian(random, batch * 3 * 16 * 16);
                    Tensor t = i % 3 == 0 ? e.allocate("input", batch, 3, 16, 16) : Tensor.allocate(org.infer4j.ElementType.FLOAT32,
                            batch, 3, 16, 16);
                    inputs.add(t);
                    t.buffer().asFloatBuffer().put(x);
                    try (Outputs out = e.run(Map.of("input", t))) {
                        expected.add(out.get("output").toFloatArray());
                    }
                }
                List<CompletableFuture<Outputs>> futures = new ArrayList<>();
                for (Tensor t : inputs) {
                    futures.add(e.runAsync(Map.of("input", t))); // waits for room beyond 16 in flight
                }
                for (int i = 0; i < requests; i++) {
                    try (Outputs out = futures.get(i).join()) {
                        assertThat(out.get("output").toFloatArray()).as("request %d", i).containsExactly(expected.get(i));
                    }
                }
            } finally {
                inputs.forEach(Tensor::close);
            }
        }
    }

    @ParameterizedTest(name = "blockingSync {0}")
    @ValueSource(booleans = {false, true})
    void twoBindingsRunInTurnAsynchronouslyGiveTheSynchronousAnswers(boolean blockingSync) {
        try (InferenceEngine e = engine(blockingSync); Tensor a = e.allocate("input", 4, 3, 16, 16);
             Tensor b = e.allocate("input", 4, 3, 16, 16); Binding first = e.bind(Map.of("input", a));
             Binding second = e.bind(Map.of("input", b))) {
            Random random = new Random(23);
            for (int round = 0; round < 50; round++) {
                float[] xa = gaussian(random, 4 * 3 * 16 * 16);
                float[] xb = gaussian(random, 4 * 3 * 16 * 16);
                a.buffer().asFloatBuffer().put(xa);
                b.buffer().asFloatBuffer().put(xb);
                CompletableFuture<Void> runA = first.runAsync();
                CompletableFuture<Void> runB = second.runAsync();
                runA.join();
                runB.join();
                try (Tensor ta = Tensor.of(xa, 4, 3, 16, 16); Tensor tb = Tensor.of(xb, 4, 3, 16, 16);
                     Outputs ea = e.run(Map.of("input", ta)); Outputs eb = e.run(Map.of("input", tb))) {
                    assertThat(first.output("output").toFloatArray()).containsExactly(ea.get("output").toFloatArray());
                    assertThat(second.output("output").toFloatArray()).containsExactly(eb.get("output").toFloatArray());
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void dynamicBatchingOverAOneDeviceListGivesTheUnbatchedAnswers() {
        try (InferenceEngine plain = engine(false);
             InferenceEngine batched = InferenceEngine.builder().backend("tensorrt").model(ReferenceModel.named("cnn_tiny").onnxBytes())
                     .shapeRange("input", new long[] {1, 3, 16, 16}, new long[] {8, 3, 16, 16}, new long[] {8, 3, 16, 16})
                     .devices(0).dynamicBatching(8, java.time.Duration.ofHours(1))
                     .settings(TensorRtSettings.builder().tf32(false).cacheDirectory(cacheDir).build()).build()) {
            Random random = new Random(29);
            List<Tensor> inputs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            try {
                for (int i = 0; i < 64; i++) {
                    Tensor t = Tensor.of(gaussian(random, 3 * 16 * 16), 1, 3, 16, 16);
                    inputs.add(t);
                    try (Outputs out = plain.run(Map.of("input", t))) {
                        expected.add(out.get("output").toFloatArray());
                    }
                }
                List<CompletableFuture<Outputs>> futures = new ArrayList<>();
                for (Tensor t : inputs) {
                    futures.add(batched.runAsync(Map.of("input", t)));
                }
                for (int i = 0; i < futures.size(); i++) {
                    try (Outputs out = futures.get(i).join()) {
                        // batch size changes TensorRT's kernels: equal within FP32 rounding, not bit for bit
                        assertThat(out.get("output").toFloatArray()).as("request %d", i)
                                .containsExactly(expected.get(i), org.assertj.core.api.Assertions.within(1e-4f));
                    }
                }
            } finally {
                inputs.forEach(Tensor::close);
            }
            assertThat(batched.stats().counter("batching.batches")).as("64 requests in full batches of 8").isEqualTo(8);
            assertThat(batched.stats().counter("device.0.requests")).isEqualTo(batched.stats().counter("batching.batches"));
        }
    }

    @ParameterizedTest(name = "blockingSync {0}")
    @ValueSource(booleans = {false, true})
    void closingWithPipelinedRequestsInFlightFreesNothingUnderThem(boolean blockingSync) {
        InferenceEngine e = engine(blockingSync);
        try (Tensor x = e.allocate("input", 8, 3, 16, 16)) {
            List<CompletableFuture<Outputs>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                futures.add(e.runAsync(Map.of("input", x)));
            }
            e.close();
            for (CompletableFuture<Outputs> f : futures) {
                try (Outputs out = f.join()) {
                    assertThat(out.get("output").toFloatArray()).hasSize(8 * 4);
                } catch (CompletionException failed) {
                    assertThat(failed).cause().isInstanceOf(EngineClosedException.class);
                }
            }
        }
    }
}
