package org.infer4j.tensorrt.internal.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.infer4j.ElementType;
import org.infer4j.ModelLoadException;
import org.infer4j.Shape;
import org.infer4j.TensorInfo;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.Test;

class OnnxModelInfoTest {

    @Test
    void readsInputsAndOutputsWithTheirDimensionNames() {
        OnnxModelInfo info = OnnxModelInfo.parse(ReferenceModel.named("encoder_tiny").onnxBytes(), "encoder_tiny");

        assertThat(info.inputs()).extracting(TensorInfo::name).containsExactly("input_ids", "attention_mask");
        TensorInfo ids = info.inputs().get(0);
        assertThat(ids.elementType()).isEqualTo(ElementType.INT64);
        assertThat(ids.shape()).isEqualTo(Shape.of(-1, -1));
        assertThat(ids.dimensionNames()).containsExactly("batch", "seq");
        assertThat(info.outputs()).singleElement().satisfies(out -> {
            assertThat(out.name()).isEqualTo("output");
            assertThat(out.elementType()).isEqualTo(ElementType.FLOAT32);
            assertThat(out.shape()).isEqualTo(Shape.of(-1, -1, 16));
        });
    }

    @Test
    void readsFixedDimensionsAsKnownAndOnlyUnknownOnesNamed() {
        TensorInfo in = OnnxModelInfo.parse(ReferenceModel.named("cnn_tiny").onnxBytes(), "cnn_tiny").inputs().get(0);

        assertThat(in.shape()).isEqualTo(Shape.of(-1, 3, 16, 16));
        assertThat(in.dimensionNames()).containsExactly("batch", "", "", "");
    }

    @Test
    void readsEveryElementTypeInferFourJCarries() throws Exception {
        OnnxModelInfo info = OnnxModelInfo.parse(dtypesModel(), "dtypes");

        assertThat(info.inputs()).extracting(TensorInfo::elementType).containsExactly(ElementType.FLOAT32,
                ElementType.FLOAT16, ElementType.BFLOAT16, ElementType.INT8, ElementType.UINT8, ElementType.INT32,
                ElementType.INT64, ElementType.BOOL);
    }

    private static byte[] dtypesModel() throws java.io.IOException {
        try (var in = OnnxModelInfoTest.class.getResourceAsStream("/org/infer4j/testmodels/dtypes.onnx")) {
            assertThat(in).as("dtypes.onnx in the inference-api test-jar").isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void aTruncatedModelIsAModelLoadExceptionNamingTheModel() {
        byte[] model = ReferenceModel.named("mlp_tiny").onnxBytes();
        byte[] truncated = Arrays.copyOf(model, model.length / 2);

        assertThatThrownBy(() -> OnnxModelInfo.parse(truncated, "mlp_tiny.onnx")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("mlp_tiny.onnx");
    }

    @Test
    void randomBytesAreAModelLoadException() {
        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);

        assertThatThrownBy(() -> OnnxModelInfo.parse(noise, "noise")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("noise");
    }

    @Test
    void anEmptyFileHasNoGraph() {
        assertThatThrownBy(() -> OnnxModelInfo.parse(new byte[0], "empty.onnx")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no graph");
    }

    @Test
    void aGraphInputFieldOfAnotherWireTypeIsAnUnknownFieldAsToProtobuf() {
        byte[] original = ReferenceModel.named("mlp_tiny").onnxBytes();
        // graph field 11 (input) as a varint whose value is the size of the graph field after it: read as an input's
        // length, it made that field an input without a name or shape, and the model a ModelLoadException
        byte[] model = withGraphFieldFirst(original, firstFieldSize -> {
            byte[] field = Protobuf.lengthDelimitedHeader(OnnxProto.GRAPH_INPUT, firstFieldSize);
            field[0] = (byte) (OnnxProto.GRAPH_INPUT << 3 | Protobuf.VARINT); // the same number and value, as a varint
            return field;
        });

        assertThat(OnnxModelInfo.parse(model, "unknown field")).isEqualTo(OnnxModelInfo.parse(original, "original"));
    }

    /** {@code model} with the field that {@code field} makes of the size of its graph's first field put before it. */
    private static byte[] withGraphFieldFirst(byte[] model, IntFunction<byte[]> field) {
        Protobuf m = new Protobuf(model, 0, model.length);
        while (m.next()) {
            if (m.field() == OnnxProto.MODEL_GRAPH && m.isLengthDelimited()) {
                int fieldStart = m.fieldStart();
                Protobuf graph = m.message();
                int graphStart = graph.position();
                int graphEnd = m.position();
                graph.next();
                graph.skip();
                byte[] first = field.apply(graph.position() - graphStart);
                byte[] header = Protobuf.lengthDelimitedHeader(OnnxProto.MODEL_GRAPH, first.length + graphEnd - graphStart);
                ByteBuffer out = ByteBuffer.allocate(fieldStart + header.length + first.length + model.length - graphStart);
                out.put(model, 0, fieldStart).put(header).put(first).put(model, graphStart, model.length - graphStart);
                return out.array();
            }
            m.skip();
        }
        throw new AssertionError("no graph");
    }

    @Test
    void anUnsupportedElementTypeIsNamed() {
        assertThatThrownBy(() -> OnnxModelInfo.elementType(8, "text", "m.onnx")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'text'").hasMessageContaining("element type 8");
        assertThat(List.of(1, 7).stream().map(t -> OnnxModelInfo.elementType(t, "x", "m")))
                .containsExactly(ElementType.FLOAT32, ElementType.INT64);
    }
}
