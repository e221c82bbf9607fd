package org.infer4j.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Records what ONNX Runtime's own CUDA-graph mode does when inputs come from Java, which has no
 * IoBinding: ONNX Runtime copies host inputs to device buffers it chooses per run, while a replayed
 * graph reads the addresses of its capture. Prints whether outputs still follow new input values.
 */
class OrtCudaGraphProbeTest {

    @ParameterizedTest
    @ValueSource(strings = {"mlp_tiny", "gru_tiny"})
    void reportsWhetherOrtCudaGraphReplaysFollowNewInputs(String model) {
        assumeTrue(Backends.discover().find("ort-cuda").orElseThrow().availability().isAvailable(), "needs CUDA");
        byte[] onnx = ReferenceModel.named(model).onnxBytes();
        try (InferenceEngine plain = InferenceEngine.builder().backend("ort-cuda").model(onnx).build();
             InferenceEngine graphs = InferenceEngine.builder().backend("ort-cuda").option("cuda.enable_cuda_graph", "1")
                     .model(onnx).build()) {
            Map<String, Tensor> first = ReferenceModel.named(model).inputs();
            Map<String, Tensor> second = ReferenceModel.named(model).inputs();
            for (Tensor t : second.values()) {
                float[] v = t.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] = v[i] * -0.5f + 0.25f;
                }
                t.buffer().asFloatBuffer().put(v);
            }
            float[] expectedSecond;
            try (Outputs o = plain.run(second)) {
                expectedSecond = o.get("output").toFloatArray();
            }
            for (int i = 0; i < 3; i++) { // warm-up and capture happen in the first runs
                graphs.run(first).close();
            }
            float[] replayedSecond;
            try (Outputs o = graphs.run(second)) {
                replayedSecond = o.get("output").toFloatArray();
            }
            boolean follows = java.util.Arrays.equals(expectedSecond, replayedSecond);
            System.out.println("ORT-CUDA-GRAPH-PROBE model=" + model + " outputsFollowNewInputs=" + follows
                    + " expected[0]=" + expectedSecond[0] + " replayed[0]=" + replayedSecond[0]);
            assertThat(replayedSecond).hasSameSizeAs(expectedSecond);
            first.values().forEach(Tensor::close);
            second.values().forEach(Tensor::close);
        }
    }
}
