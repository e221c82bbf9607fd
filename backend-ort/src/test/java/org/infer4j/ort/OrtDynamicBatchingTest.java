package org.infer4j.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.Test;

/** Dynamic batching and device routing on a real model: merged and split results are the ones of unbatched calls. */
class OrtDynamicBatchingTest {

    @Test
    void batchedRequestsGetTheAnswersOfUnbatchedOnes() {
        byte[] model = ReferenceModel.named("mlp_tiny").onnxBytes();
        Random random = new Random(3);
        List<Tensor> inputs = new ArrayList<>();
        try (InferenceEngine plain = InferenceEngine.builder().backend("ort-cpu").model(model).build();
             InferenceEngine batched = InferenceEngine.builder().backend("ort-cpu").model(model).devices(0)
                     .dynamicBatching(8, Duration.ofHours(1)).build()) {
            int[] rows = {1, 2, 1, 4, 3, 1, 2, 2};
            List<float[]> expected = new ArrayList<>();
            for (int n : rows) {
                float[] x = new float[n * 16];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                Tensor t = Tensor.of(x, n, 16);
                inputs.add(t);
                try (Outputs out = plain.run(Map.of("input", t))) {
                    expected.add(out.get("output").toFloatArray());
                }
            }
            List<CompletableFuture<Outputs>> futures = new ArrayList<>();
            for (Tensor t : inputs) {
                futures.add(batched.runAsync(Map.of("input", t)));
            }
            for (int i = 0; i < rows.length; i++) {
                try (Outputs out = futures.get(i).join()) {
                    assertThat(out.get("output").shape().dim(0)).isEqualTo(rows[i]);
                    assertThat(out.get("output").toFloatArray()).as("request %d", i)
                            .containsExactly(expected.get(i), within(1e-5f));
                }
            }
            assertThat(batched.stats().counter("batching.batches")).as("8 + 8 rows in two full batches").isEqualTo(2);
            assertThat(batched.stats().counter("device.0.requests")).isEqualTo(2);
        } finally {
            inputs.forEach(Tensor::close);
        }
    }
}
