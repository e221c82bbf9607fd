package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.Map;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.Test;

/**
 * Optimistic pinning: a binding writes every output in place from its second run on, and stops
 * pinning an output only once a run gave it another shape.
 */
class OrtBindingPinningTest {

    private static InferenceEngine engine(byte[] model) {
        return InferenceEngine.builder().backend("ort-cpu").model(model).build();
    }

    private static byte[] nonzero() throws IOException {
        try (InputStream in = OrtBindingPinningTest.class.getResourceAsStream("/org/infer4j/ort/nonzero.onnx")) {
            return in.readAllBytes();
        }
    }

    private static void close(Map<String, Tensor> tensors) {
        tensors.values().forEach(Tensor::close);
    }

    /**
     * PyTorch's exporter names the output's sequence dimension itself
     * ({@code LayerNormalizationoutput_dim_1}), not after the input's: nothing in the model says
     * it keeps its shape, and it does, so it is written in place like any other.
     */
    @Test
    void anEncoderOutputWithAnExporterNamedDimensionIsWrittenInPlaceIntoTheSameTensor() {
        ReferenceModel model = ReferenceModel.named("encoder_tiny");
        Map<String, Tensor> inputs = model.inputs();
        Map<String, Tensor> expected = model.expectedOutputs();
        try (InferenceEngine engine = engine(model.onnxBytes());
             Binding binding = engine.bind(inputs)) {
            assertThat(engine.outputs()).singleElement().hasToString("output: FLOAT32[batch, LayerNormalizationoutput_dim_1, 16]");
            binding.run();
            Tensor output = binding.output("output");
            assertThat(output.toFloatArray()).containsExactly(expected.get("output").toFloatArray(), within(1e-4f));
            assertThat(((OrtBinding) binding).writtenInPlace()).containsExactly("output");

            LongBuffer ids = inputs.get("input_ids").buffer().asLongBuffer();
            for (int i = 0; i < ids.capacity(); i++) {
                ids.put(i, (ids.get(i) + 7) % 100);
            }
            binding.run();
            assertThat(binding.output("output")).isSameAs(output);
            assertThat(output.toFloatArray()).as("new ids, new values")
                    .isNotEqualTo(expected.get("output").toFloatArray());
            try (Outputs allocated = engine.run(inputs)) {
                assertThat(output.toFloatArray()).containsExactly(allocated.get("output").toFloatArray(), within(1e-5f));
            }
            assertThat(((OrtBinding) binding).writtenInPlace()).containsExactly("output");
        } finally {
            close(inputs);
            close(expected);
        }
    }

    @Test
    void anOutputIsNoLongerWrittenInPlaceOnceARunChangedItsShape() throws IOException {
        try (InferenceEngine engine = engine(nonzero());
             Tensor x = Tensor.of(new float[] {1, -1, 2, 0}, 4);
             Binding binding = engine.bind(Map.of("x", x))) {
            OrtBinding ort = (OrtBinding) binding;
            binding.run();
            assertThat(ort.writtenInPlace()).containsExactlyInAnyOrder("positive", "positions");

            x.buffer().asFloatBuffer().put(new float[] {-1, 1, 0, 1});
            binding.run();
            assertThat(ort.writtenInPlace()).as("same count, same shape").containsExactlyInAnyOrder("positive", "positions");
            assertThat(binding.output("positions").toLongArray()).containsExactly(1, 3);

            x.buffer().asFloatBuffer().put(new float[] {1, 1, 1, -1});
            binding.run();
            assertThat(ort.writtenInPlace()).containsExactly("positive");
            assertThat(binding.output("positions").toLongArray()).containsExactly(0, 1, 2);
            assertThat(binding.output("positive").toBooleanArray()).containsExactly(true, true, true, false);

            x.buffer().asFloatBuffer().put(new float[] {1, -1, 2, 0});
            binding.run();
            assertThat(ort.writtenInPlace()).as("back to the first shape: still data-dependent").containsExactly("positive");
            assertThat(binding.output("positions").toLongArray()).containsExactly(0, 2);
        }
    }

    /** A pinned run that fails for another reason than a changed shape fails as it would unpinned. */
    @Test
    void aFailureThatNoChangedShapeExplainsIsThrownAndTheOutputsStayPinned() {
        ReferenceModel model = ReferenceModel.named("encoder_tiny");
        Map<String, Tensor> inputs = model.inputs();
        Map<String, Tensor> expected = model.expectedOutputs();
        try (InferenceEngine engine = engine(model.onnxBytes());
             Binding binding = engine.bind(inputs)) {
            binding.run();
            Tensor output = binding.output("output");

            LongBuffer ids = inputs.get("input_ids").buffer().asLongBuffer();
            long kept = ids.get(0);
            ids.put(0, 1000); // the embedding has 100 rows
            assertThatThrownBy(binding::run).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("cannot run").hasMessageContaining("Gather")
                    .hasMessageContaining("idx=1000");

            ids.put(0, kept);
            binding.run();
            assertThat(binding.output("output")).isSameAs(output);
            assertThat(((OrtBinding) binding).writtenInPlace()).containsExactly("output");
            assertThat(output.toFloatArray()).containsExactly(expected.get("output").toFloatArray(), within(1e-4f));
        } finally {
            close(inputs);
            close(expected);
        }
    }
}
