package org.infer4j.tensorrt.internal.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.Test;

/**
 * Folding Identity nodes of initializers: what goes, what stays, and that ONNX Runtime on the CPU
 * computes the same outputs from the folded model as from the original.
 */
class ParserRewriteTest {

    @Test
    void pytorchsIdentitiesOfDeduplicatedWeightsGoAndTheOutputsStayBitwiseTheSame() {
        // torch.onnx.export wrote ln2.weight and ln2.bias as Identity nodes of the equal ln1 parameters
        ReferenceModel encoder = ReferenceModel.named("encoder_tiny");
        byte[] original = encoder.onnxBytes();
        assertThat(nodes(original)).filteredOn(n -> n.opType.equals("Identity")).hasSize(2);

        ParserRewrite.Rewritten folded = ParserRewrite.rewrite(original).orElseThrow();
        byte[] model = bytes(folded);

        assertThat(folded.removedNodes()).isEqualTo(2);
        assertThat(nodes(model)).noneMatch(n -> n.opType.equals("Identity"))
                .hasSize(nodes(original).size() - 2)
                .noneMatch(n -> n.inputs.contains("ln2.weight") || n.inputs.contains("ln2.bias"));
        assertThat(OnnxModelInfo.parse(model, "folded")).isEqualTo(OnnxModelInfo.parse(original, "original"));
        assertSameOutputs(original, model, encoder.inputs());
    }

    @Test
    void theCopyInNativeMemoryThatTensorRtsParserReadsHoldsTheSameBytes() {
        ParserRewrite.Rewritten folded = ParserRewrite.rewrite(ReferenceModel.named("encoder_tiny").onnxBytes())
                .orElseThrow();
        byte[] expected = bytes(folded);

        try (BytePointer copy = folded.toNative()) {
            byte[] actual = new byte[expected.length];
            copy.get(actual);
            assertThat(copy.capacity()).isEqualTo(expected.length);
            assertThat(actual).isEqualTo(expected);
        }
    }

    @Test
    void aModelWithoutSuchIdentitiesIsLeftAsItIs() {
        assertThat(ParserRewrite.rewrite(ReferenceModel.named("mlp_tiny").onnxBytes())).isEmpty();
    }

    @Test
    void identitiesOfGraphInputsStay() {
        byte[] model = model(List.of(node("Identity", "x", "y")), List.of(), List.of("x"), List.of("y"));

        assertThat(ParserRewrite.rewrite(model)).isEmpty();
    }

    @Test
    void chainsFoldToTheInitializerWhileAnIdentityThatIsAGraphOutputKeepsItsName() {
        byte[] original = model(List.of(node("Identity", "w", "w1"), node("Identity", "w1", "w2"), node("Add", "x", "w2", "y"),
                        node("Identity", "w", "z")),
                List.of(initializer("w", 0.5f, -2f)), List.of("x"), List.of("y", "z"));

        ParserRewrite.Rewritten folded = ParserRewrite.rewrite(original).orElseThrow();

        assertThat(folded.removedNodes()).isEqualTo(2);
        assertThat(nodes(bytes(folded))).extracting(n -> n.opType + n.inputs + n.outputs)
                .containsExactly("Add[x, w][y]", "Identity[w][z]");
        assertSameOutputs(original, bytes(folded), Map.of("x", Tensor.of(new float[] {1f, 2f}, 2)));
    }

    @Test
    void aModelWithSubgraphsIsLeftAsItIsBecauseTheyMayReadARemovedName() {
        Node ifNode = node("If", "c", "y");
        ifNode.subgraph = model(List.of(node("Identity", "w1", "y")), List.of(), List.of(), List.of("y"));
        byte[] model = model(List.of(node("Identity", "w", "w1"), ifNode), List.of(initializer("w", 1f, 2f)),
                List.of("c"), List.of("y"));

        assertThat(ParserRewrite.rewrite(model)).isEmpty();
    }

    @Test
    void aNodeFieldOfAnotherWireTypeIsAnUnknownFieldThatStaysAndHidesNoNode() {
        // graph field 1 as a varint whose value is the size of the node field after it: read as a node's length
        // (found by fuzzing), it hid that node from the first pass but not from the rewrite, which then ran out of nodes
        byte[] hidden = nodeField(node("Identity", "w", "w1"));
        byte[] unknown = varintField(1, hidden.length);
        byte[] original = model(unknown, List.of(node("Identity", "w", "w1"), node("Identity", "w", "w2"),
                node("Add", "x", "w2", "y")), List.of(initializer("w", 0.5f, -2f)), List.of("x"), List.of("y"));

        ParserRewrite.Rewritten folded = ParserRewrite.rewrite(original).orElseThrow();

        assertThat(folded.removedNodes()).isEqualTo(2);
        assertThat(nodes(bytes(folded))).extracting(n -> n.opType + n.inputs + n.outputs).containsExactly("Add[x, w][y]");
        assertThat(bytes(folded)).containsSequence(concat(unknown, nodeField(node("Add", "x", "w", "y"))));
    }

    @Test
    void scaledDotProductAttentionAsPyTorchExportsItScalesTheQueryAlone() throws IOException {
        // MatMul(Mul(q, Sqrt(s)), Mul(Transpose(k), Sqrt(s))), as torch.onnx.export writes scaled_dot_product_attention
        byte[] original = Files.readAllBytes(Path.of("..", "models", "zoo", "tiny", "sdpa_causal.onnx"));
        Node product = nodes(original).stream().filter(n -> n.opType.equals("MatMul")).findFirst().orElseThrow();
        Node scaledQuery = producer(nodes(original), product.inputs.get(0));
        Node scaledKey = producer(nodes(original), product.inputs.get(1));
        String scale = producer(nodes(original), scaledQuery.inputs.get(1)).inputs.get(0);

        ParserRewrite.Rewritten rewritten = ParserRewrite.rewrite(original).orElseThrow();
        List<Node> after = nodes(bytes(rewritten));

        assertThat(rewritten.rescaledAttentions()).isEqualTo(1);
        assertThat(producer(after, product.outputs.get(0)).inputs)
                .as("the product reads the unscaled key").containsExactly(scaledQuery.outputs.get(0), scaledKey.inputs.get(0));
        assertThat(producer(after, scaledQuery.outputs.get(0)).inputs)
                .as("the query is scaled by s, not its square root").containsExactly("q", scale);
        assertThat(OnnxModelInfo.parse(bytes(rewritten), "rewritten")).isEqualTo(OnnxModelInfo.parse(original, "original"));
        Map<String, Tensor> inputs = Map.of("q", random(1, 2, 4, 8, 32), "k", random(2, 2, 4, 8, 32), "v", random(3, 2, 4, 8, 32));
        try (InferenceEngine a = InferenceEngine.builder().backend("ort-cpu").model(original).build();
             InferenceEngine b = InferenceEngine.builder().backend("ort-cpu").model(bytes(rewritten)).build();
             Outputs expected = a.run(inputs);
             Outputs actual = b.run(inputs)) {
            assertThat(actual.get("output").toFloatArray())
                    .containsExactly(expected.get("output").toFloatArray(), within(1e-5f));
        } finally {
            inputs.values().forEach(Tensor::close);
        }
    }

    @Test
    void aSplitScaleIsKeptWhereTheScaledKeyIsReadElsewhereOrTheRootsAreOfDifferentTensors() {
        List<byte[]> weights = List.of(initializer("s", 0.25f, 0.25f), initializer("t", 4f, 4f));
        byte[] keyReadTwice = model(List.of(node("Sqrt", "s", "r1"), node("Sqrt", "s", "r2"), node("Mul", "q", "r1", "a"),
                node("Mul", "k", "r2", "b"), node("MatMul", "a", "b", "y"), node("Add", "b", "b", "z")),
                weights, List.of("q", "k"), List.of("y", "z"));
        byte[] twoScales = model(List.of(node("Sqrt", "s", "r1"), node("Sqrt", "t", "r2"), node("Mul", "q", "r1", "a"),
                node("Mul", "k", "r2", "b"), node("MatMul", "a", "b", "y")), weights, List.of("q", "k"), List.of("y"));

        assertThat(ParserRewrite.rewrite(keyReadTwice)).isEmpty();
        assertThat(ParserRewrite.rewrite(twoScales)).isEmpty();
    }

    private static Node producer(List<Node> nodes, String output) {
        return nodes.stream().filter(n -> n.outputs.contains(output)).findFirst().orElseThrow();
    }

    private static Tensor random(long seed, long... shape) {
        java.util.Random r = new java.util.Random(seed);
        float[] values = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (x, y) -> x * y))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) r.nextGaussian();
        }
        return Tensor.of(values, shape);
    }

    @Test
    void bytesThatAreNotProtobufAreRefusedAsMalformed() {
        assertThatThrownBy(() -> ParserRewrite.rewrite(new byte[] {0x3a, 0x7f, 1}))
                .isInstanceOf(Protobuf.MalformedException.class).hasMessageContaining("overruns");
    }

    /** The folded model, written as the backend writes it for TensorRT's parser: exactly {@code size()} bytes. */
    private static byte[] bytes(ParserRewrite.Rewritten folded) {
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(folded.size()));
        folded.writeTo(buffer);
        assertThat(buffer.hasRemaining()).as("writeTo fills size() bytes").isFalse();
        return buffer.array();
    }

    private static void assertSameOutputs(byte[] original, byte[] folded, Map<String, Tensor> inputs) {
        try (InferenceEngine a = InferenceEngine.builder().backend("ort-cpu").model(original).build();
             InferenceEngine b = InferenceEngine.builder().backend("ort-cpu").model(folded).build();
             Outputs expected = a.run(inputs);
             Outputs actual = b.run(inputs)) {
            for (String name : a.outputs().stream().map(o -> o.name()).toList()) {
                assertThat(actual.get(name).toFloatArray()).as(name).containsExactly(expected.get(name).toFloatArray());
            }
        }
    }

    // --- a reader of the nodes, and a writer of small ONNX models (opset 17, float vectors of 2) ---

    private static final class Node {
        final String opType;
        final List<String> inputs = new ArrayList<>();
        final List<String> outputs = new ArrayList<>();
        byte[] subgraph;

        Node(String opType) {
            this.opType = opType;
        }
    }

    private static List<Node> nodes(byte[] model) {
        Protobuf m = new Protobuf(model, 0, model.length);
        List<Node> nodes = new ArrayList<>();
        while (m.next()) {
            if (m.field() != 7) {
                m.skip();
                continue;
            }
            Protobuf graph = m.message();
            while (graph.next()) {
                if (graph.field() != 1 || !graph.isLengthDelimited()) {
                    graph.skip();
                    continue;
                }
                Protobuf p = graph.message();
                List<String> in = new ArrayList<>();
                List<String> out = new ArrayList<>();
                String op = "";
                while (p.next()) {
                    switch (p.isLengthDelimited() ? p.field() : 0) {
                        case 1 -> in.add(p.string());
                        case 2 -> out.add(p.string());
                        case 4 -> op = p.string();
                        default -> p.skip();
                    }
                }
                Node n = new Node(op);
                n.inputs.addAll(in);
                n.outputs.addAll(out);
                nodes.add(n);
            }
        }
        return nodes;
    }

    private static Node node(String opType, String... inputsThenOutput) {
        Node n = new Node(opType);
        for (int i = 0; i < inputsThenOutput.length - 1; i++) {
            n.inputs.add(inputsThenOutput[i]);
        }
        n.outputs.add(inputsThenOutput[inputsThenOutput.length - 1]);
        return n;
    }

    private static byte[] initializer(String name, float... values) {
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return concat(varintField(1, values.length), varintField(2, 1), bytesField(9, raw.array()), stringField(8, name));
    }

    /** A model of the given graph; an If branch is such a model too, its graph taken out by {@link #graphOf}. */
    private static byte[] model(List<Node> nodes, List<byte[]> initializers, List<String> inputs, List<String> outputs) {
        return model(new byte[0], nodes, initializers, inputs, outputs);
    }

    /** A model whose graph has the fields {@code leading}, written as they are, before its nodes. */
    private static byte[] model(byte[] leading, List<Node> nodes, List<byte[]> initializers, List<String> inputs,
                                List<String> outputs) {
        List<byte[]> graph = new ArrayList<>();
        graph.add(leading);
        nodes.forEach(n -> graph.add(nodeField(n)));
        graph.add(stringField(2, "g"));
        initializers.forEach(i -> graph.add(bytesField(5, i)));
        inputs.forEach(i -> graph.add(bytesField(11, valueInfo(i, i.equals("c") ? 9 : 1))));
        outputs.forEach(o -> graph.add(bytesField(12, valueInfo(o, 1))));
        return concat(varintField(1, 8), bytesField(8, concat(stringField(1, ""), varintField(2, 17))),
                bytesField(7, concat(graph.toArray(byte[][]::new))));
    }

    /** The graph's field 1 holding {@code n}. */
    private static byte[] nodeField(Node n) {
        List<byte[]> fields = new ArrayList<>();
        n.inputs.forEach(i -> fields.add(stringField(1, i)));
        n.outputs.forEach(o -> fields.add(stringField(2, o)));
        fields.add(stringField(4, n.opType));
        if (n.subgraph != null) { // attribute then_branch: name 1, g 6, type 20 = GRAPH (5)
            fields.add(bytesField(5, concat(stringField(1, "then_branch"), bytesField(6, graphOf(n.subgraph)),
                    varintField(20, 5))));
        }
        return bytesField(1, concat(fields.toArray(byte[][]::new)));
    }

    private static byte[] graphOf(byte[] model) {
        Protobuf m = new Protobuf(model, 0, model.length);
        while (m.next()) {
            if (m.field() == 7) {
                int start = m.message().position();
                return Arrays.copyOfRange(model, start, m.position());
            }
            m.skip();
        }
        throw new AssertionError("no graph");
    }

    private static byte[] valueInfo(String name, int elementType) {
        byte[] shape = name.equals("c") ? new byte[0] : bytesField(2, bytesField(1, varintField(1, 2)));
        return concat(stringField(1, name), bytesField(2, bytesField(1, concat(varintField(1, elementType), shape))));
    }

    private static byte[] stringField(int field, String s) {
        return bytesField(field, s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytesField(int field, byte[] value) {
        return concat(varint((long) field << 3 | 2), varint(value.length), value);
    }

    private static byte[] varintField(int field, long value) {
        return concat(varint((long) field << 3), varint(value));
    }

    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
