package org.infer4j.tensorrt.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.infer4j.InvalidInputException;
import org.junit.jupiter.api.Test;

/** Which layers the names given to {@code Int8Calibration.keepFp32} pick in a parsed network. */
class Fp32LayersTest {
    private static final List<Fp32Layers.Layer> NETWORK = List.of(
            new Fp32Layers.Layer("/conv1/Conv", List.of("/conv1/Conv_output_0")),
            new Fp32Layers.Layer("/relu/Relu", List.of("/relu/Relu_output_0")),
            new Fp32Layers.Layer("/fc/Gemm", List.of("logits")));

    @Test
    void aNamePicksTheLayerOfThatNameOrTheLayerThatProducesTheTensorOfThatName() {
        assertThat(Fp32Layers.pick(NETWORK, Set.of("/conv1/Conv", "logits"), "cnn.onnx")).containsExactly(0, 2);
    }

    @Test
    void aNameThatPicksNothingIsRefusedNamingItAndTheLayersThereAre() {
        assertThatThrownBy(() -> Fp32Layers.pick(NETWORK, Set.of("/fc/Gemm", "/head/Gemm"), "cnn.onnx"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("[/head/Gemm]")
                .hasMessageContaining("cnn.onnx").hasMessageContaining("/relu/Relu");
    }
}
