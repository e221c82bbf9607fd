package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.Test;

/**
 * Closing a binding while another thread runs it: close frees the ONNX Runtime views and the
 * outputs the binding owns (direct memory, freed at once), so it must wait for the run in flight
 * instead of freeing memory ONNX Runtime is writing.
 */
class OrtBindingCloseTest {

    @Test
    void closeWaitsForARunInFlightAndLaterRunsThrow() throws Exception {
        ReferenceModel model = ReferenceModel.named("encoder_tiny");
        Map<String, Tensor> inputs = model.inputs();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (InferenceEngine engine = InferenceEngine.builder().backend("ort-cpu").model(model.onnxBytes()).build()) {
            for (int round = 0; round < 30; round++) {
                Binding binding = engine.bind(inputs);
                binding.run(); // owned outputs exist and are pinned from here on
                Tensor owned = binding.output("output");
                Future<Integer> runs = runner.submit(() -> {
                    int n = 0;
                    try {
                        while (true) {
                            binding.run();
                            n++;
                        }
                    } catch (IllegalStateException closed) {
                        return n;
                    }
                });
                Thread.sleep(round % 3);
                binding.close();
                // close returned: no run is in flight any more, and what the binding owned is freed
                assertThat(owned.isClosed()).isTrue();
                assertThat(runs.get()).isGreaterThanOrEqualTo(0);
                assertThatThrownBy(binding::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
                assertThatThrownBy(() -> binding.output("output")).isInstanceOf(IllegalStateException.class);
            }
        } finally {
            runner.shutdownNow();
            inputs.values().forEach(Tensor::close);
        }
    }
}
