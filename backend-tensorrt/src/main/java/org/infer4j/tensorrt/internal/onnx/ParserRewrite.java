package org.infer4j.tensorrt.internal.onnx;

import static org.infer4j.tensorrt.internal.onnx.OnnxProto.ATTRIBUTE_GRAPH;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.ATTRIBUTE_GRAPHS;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_INITIALIZER;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_NODE;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_OUTPUT;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_VALUE_INFO;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.MODEL_GRAPH;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.NODE_ATTRIBUTE;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.NODE_DOMAIN;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.NODE_INPUT;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.NODE_OP_TYPE;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.NODE_OUTPUT;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.TENSOR_NAME;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.VALUE_INFO_NAME;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites a model before TensorRT's ONNX parser sees it, in two ways that keep every output's
 * value (up to float rounding) and every input and output name.
 *
 * <p><b>Identity nodes of initializers are folded away</b>: their consumers read the initializer itself. PyTorch's exporter writes
 * such nodes for every parameter equal to another (tied weights; in a freshly initialised model
 * every zero bias and unit scale of a size), and ONNX Runtime removes them in its basic graph
 * optimisations before its TensorRT execution provider is given the graph. TensorRT's parser does
 * not: a convolution whose weights arrive through an {@code Identity} gets them as a tensor, and
 * the builder keeps a constant layer (cloned per consumer) and a copy for each, which makes a
 * torchvision ResNet-50's plan several times larger and markedly slower.
 *
 * Identities that produce a graph output stay (the name is the caller's).
 *
 * <p><b>An attention scale split over both factors is applied to the query alone.</b> PyTorch's
 * exporter writes {@code scaled_dot_product_attention} as
 * {@code MatMul(Mul(q, Sqrt(s)), Mul(Transpose(k), Sqrt(s)))}. TensorRT 10's attention fusion
 * computes wrong results for that pattern without a mask (NVIDIA/TensorRT issue 4333: "Incorrect
 * outputs of TensorRT 10.7 when compiling F.scaled_dot_product_attention"; timm's ViT and DeiT,
 * whose attention is unmasked, were off by up to 0.72 on tensorrt while ONNX Runtime's TensorRT
 * provider was right). The rewrite gives the product {@code MatMul(Mul(q, s), Transpose(k))}: the
 * query's {@code Mul} reads {@code s} itself and the {@code MatMul} reads the unscaled key, the
 * form that explicit attention code exports. Matched only where both {@code Mul}s feed the
 * {@code MatMul} alone and both square roots are of the same tensor.
 *
 * <p>The engine-cache key's format ({@code EngineCacheKey.FORMAT}) changes with what this does, so that no engine built from an
 * older rewrite is taken from the cache. A model with subgraphs ({@code If}, {@code Loop}, {@code Scan}) is left as it is: a subgraph
 * may read a removed name from the outer scope. Stateless.
 */
public final class ParserRewrite {
    private static final Logger log = LoggerFactory.getLogger(ParserRewrite.class);

    private ParserRewrite() {
    }

    /**
     * The rewritten model, as pieces of the original and the few rewritten fields, so that it is
     * written once, where it is needed (TensorRT's parser reads it from native memory), and not
     * kept on the Java heap beside the original. Immutable.
     */
    public static final class Rewritten {
        private final List<Piece> pieces;
        private final int removedNodes;
        private final int rescaledAttentions;

        private Rewritten(List<Piece> pieces, int removedNodes, int rescaledAttentions) {
            this.pieces = List.copyOf(pieces);
            this.removedNodes = removedNodes;
            this.rescaledAttentions = rescaledAttentions;
        }

        /** How many Identity nodes it lost. */
        int removedNodes() {
            return removedNodes;
        }

        /** How many attention products now scale the query alone. */
        int rescaledAttentions() {
            return rescaledAttentions;
        }

        /**
         * The rewritten model's size.
         *
         * @return its size in bytes
         */
        public long size() {
            return pieces.stream().mapToLong(Piece::length).sum();
        }

        /** Writes the whole model at {@code target}'s position, which it advances by {@link #size()}. */
        void writeTo(ByteBuffer target) {
            for (Piece p : pieces) {
                target.put(p.source(), p.from(), p.length());
            }
        }

        /**
         * The whole model in native memory of its own, for TensorRT's parser.
         *
         * @return {@link #size()} bytes of native memory holding the model; the caller closes it
         */
        public BytePointer toNative() {
            BytePointer model = new BytePointer(size());
            try {
                writeTo(model.asByteBuffer());
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
            return model;
        }
    }

    /**
     * The model as TensorRT's parser should see it, with one INFO line saying what was rewritten.
     * Bytes that are not a well-formed model are not rewritten: TensorRT's parser gets them as they
     * are and says what is wrong with them.
     *
     * @param model the ONNX model's bytes
     * @param modelName the model's name, for the log line
     * @return the rewritten model, or empty to give the parser {@code model} as it is
     */
    public static Optional<Rewritten> forParser(byte[] model, String modelName) {
        Optional<Rewritten> rewritten;
        try {
            rewritten = rewrite(model);
        } catch (Protobuf.MalformedException e) {
            log.debug("{}: not rewritten ({}); TensorRT's parser gets it as it is", modelName, e.getMessage());
            return Optional.empty();
        }
        rewritten.ifPresent(r -> log.info("{}: before TensorRT's ONNX parser, {} Identity node(s) of initializers folded "
                + "away (as ONNX Runtime does before its TensorRT provider) and {} attention product(s) given their scale "
                + "on the query alone (TensorRT 10's attention fusion miscomputes a scale split over query and key)",
                modelName, r.removedNodes(), r.rescaledAttentions()));
        return rewritten;
    }

    /**
     * The rewritten model, or empty if there is nothing to rewrite (or it has subgraphs).
     *
     * @throws Protobuf.MalformedException if the bytes are not a well-formed protobuf message
     */
    static Optional<Rewritten> rewrite(byte[] model) {
        Protobuf m = new Protobuf(model, 0, model.length);
        int graphFieldStart = -1;
        int graphFieldEnd = -1;
        Protobuf graph = null;
        while (m.next()) {
            if (m.field() == MODEL_GRAPH && m.isLengthDelimited()) {
                graphFieldStart = m.fieldStart();
                graph = m.message();
                graphFieldEnd = m.position();
            } else {
                m.skip();
            }
        }
        if (graph == null) {
            return Optional.empty();
        }
        int graphStart = graph.position();

        Set<String> initializers = new HashSet<>();
        Set<String> graphOutputs = new HashSet<>();
        List<Node> nodes = new ArrayList<>();
        while (graph.next()) {
            if (!graph.isLengthDelimited()) {
                graph.skip();
                continue;
            }
            switch (graph.field()) {
                case GRAPH_INITIALIZER -> initializers.add(graph.message().readString(TENSOR_NAME));
                case GRAPH_OUTPUT -> graphOutputs.add(graph.message().readString(VALUE_INFO_NAME));
                case GRAPH_NODE -> {
                    Node node = Node.read(graph.message());
                    if (node.hasSubgraph) {
                        return Optional.empty();
                    }
                    nodes.add(node);
                }
                default -> graph.skip();
            }
        }

        // nodes are in topological order (ONNX requires it), so an identity of an identity resolves in one pass
        Map<String, String> replacement = new HashMap<>();
        Set<Node> removed = new HashSet<>();
        for (Node node : nodes) {
            if (node.isIdentity() && node.inputs.size() == 1 && node.outputs.size() == 1
                    && !graphOutputs.contains(node.outputs.get(0))) {
                String source = replacement.getOrDefault(node.inputs.get(0), node.inputs.get(0));
                if (initializers.contains(source)) {
                    replacement.put(node.outputs.get(0), source);
                    removed.add(node);
                }
            }
        }
        Map<Node, Map<String, String>> renames = attentionScaleRenames(nodes, graphOutputs, replacement);
        if (removed.isEmpty() && renames.isEmpty()) {
            return Optional.empty();
        }

        List<Piece> graphPieces = new ArrayList<>();
        graph = new Protobuf(model, graphStart, graphFieldEnd);
        int nodeIndex = 0;
        while (graph.next()) {
            int from = graph.fieldStart();
            // the fields the first pass read: a node or value_info of another wire type is an unknown field
            if (graph.field() == GRAPH_NODE && graph.isLengthDelimited()) {
                graph.skip();
                Node node = nodes.get(nodeIndex++);
                if (removed.contains(node)) {
                    continue;
                }
                Map<String, String> renamed = renames.getOrDefault(node, replacement);
                if (node.inputs.stream().anyMatch(renamed::containsKey)) {
                    graphPieces.add(Piece.of(node.withInputsRenamed(model, from, graph.position(), renamed)));
                    continue;
                }
            } else if (graph.field() == GRAPH_VALUE_INFO && graph.isLengthDelimited()) {
                if (replacement.containsKey(graph.message().readString(VALUE_INFO_NAME))) {
                    continue;
                }
            } else {
                graph.skip();
            }
            graphPieces.add(new Piece(model, from, graph.position()));
        }
        long graphLength = graphPieces.stream().mapToLong(Piece::length).sum();
        List<Piece> pieces = new ArrayList<>();
        pieces.add(new Piece(model, 0, graphFieldStart));
        pieces.add(Piece.of(Protobuf.lengthDelimitedHeader(MODEL_GRAPH, graphLength)));
        pieces.addAll(graphPieces);
        pieces.add(new Piece(model, graphFieldEnd, model.length));
        return Optional.of(new Rewritten(pieces, removed.size(), renames.size() / 2));
    }

    /**
     * Per node, the input renames that apply a split attention scale to the query alone (see the
     * class comment), on top of the identity {@code replacement}: for each match, the query's
     * {@code Mul} reads {@code s} instead of its square root, and the {@code MatMul} reads the key
     * instead of the scaled key. Two entries per match.
     */
    private static Map<Node, Map<String, String>> attentionScaleRenames(List<Node> nodes, Set<String> graphOutputs,
                                                                       Map<String, String> replacement) {
        Map<String, Node> producer = new HashMap<>();
        Map<String, Integer> uses = new HashMap<>();
        for (Node node : nodes) {
            node.outputs.forEach(o -> producer.put(o, node));
            node.inputs.forEach(i -> uses.merge(replacement.getOrDefault(i, i), 1, Integer::sum));
        }
        Map<Node, Map<String, String>> renames = new HashMap<>();
        for (Node matMul : nodes) {
            if (!matMul.is("MatMul") || matMul.inputs.size() != 2) {
                continue;
            }
            Node query = soleUseProducer(matMul.inputs.get(0), "Mul", producer, uses, graphOutputs);
            Node key = soleUseProducer(matMul.inputs.get(1), "Mul", producer, uses, graphOutputs);
            if (query == null || key == null || query == key || renames.containsKey(query) || renames.containsKey(matMul)) {
                continue;
            }
            int queryRoot = squareRootOperand(query, producer);
            int keyRoot = squareRootOperand(key, producer);
            if (queryRoot < 0 || keyRoot < 0) {
                continue;
            }
            Node querySqrt = producer.get(query.inputs.get(queryRoot));
            Node keySqrt = producer.get(key.inputs.get(keyRoot));
            if (querySqrt == null || keySqrt == null) { // squareRootOperand found both; this tells the compiler
                continue;
            }
            String scale = querySqrt.inputs.get(0);
            if (!scale.equals(keySqrt.inputs.get(0))) {
                continue;
            }
            Map<String, String> queryRenames = new HashMap<>(replacement);
            queryRenames.put(query.inputs.get(queryRoot), replacement.getOrDefault(scale, scale));
            Map<String, String> matMulRenames = new HashMap<>(replacement);
            String unscaledKey = key.inputs.get(1 - keyRoot);
            matMulRenames.put(matMul.inputs.get(1), replacement.getOrDefault(unscaledKey, unscaledKey));
            renames.put(query, queryRenames);
            renames.put(matMul, matMulRenames);
        }
        return renames;
    }

    /** The node of type {@code opType} that makes {@code value} when nothing else reads it, or null. */
    private static @Nullable Node soleUseProducer(String value, String opType, Map<String, Node> producer,
                                                  Map<String, Integer> uses, Set<String> graphOutputs) {
        Node node = producer.get(value);
        boolean sole = uses.getOrDefault(value, 0) == 1 && !graphOutputs.contains(value);
        return node != null && sole && node.is(opType) && node.inputs.size() == 2 && node.outputs.size() == 1 ? node : null;
    }

    /** Which operand of the two-input {@code mul} is a {@code Sqrt} of one tensor, or -1 (both or neither: -1). */
    private static int squareRootOperand(Node mul, Map<String, Node> producer) {
        boolean first = isSquareRoot(producer.get(mul.inputs.get(0)));
        boolean second = isSquareRoot(producer.get(mul.inputs.get(1)));
        return first == second ? -1 : first ? 0 : 1;
    }

    private static boolean isSquareRoot(@Nullable Node node) {
        return node != null && node.is("Sqrt") && node.inputs.size() == 1;
    }

    /** Bytes {@code [from, to)} of {@code source}. */
    private record Piece(byte[] source, int from, int to) {
        static Piece of(byte[] whole) {
            return new Piece(whole, 0, whole.length);
        }

        int length() {
            return to - from;
        }
    }

    /** What the fold needs of a NodeProto; kept in sets by identity (it has no equals of its own). */
    private static final class Node {
        final List<String> inputs = new ArrayList<>();
        final List<String> outputs = new ArrayList<>();
        String opType = "";
        String domain = "";
        boolean hasSubgraph;

        static Node read(Protobuf p) {
            Node n = new Node();
            while (p.next()) {
                if (!p.isLengthDelimited()) {
                    p.skip();
                    continue;
                }
                switch (p.field()) {
                    case NODE_INPUT -> n.inputs.add(p.string());
                    case NODE_OUTPUT -> n.outputs.add(p.string());
                    case NODE_OP_TYPE -> n.opType = p.string();
                    case NODE_DOMAIN -> n.domain = p.string();
                    case NODE_ATTRIBUTE -> {
                        Protobuf attribute = p.message();
                        while (attribute.next()) {
                            if (attribute.field() == ATTRIBUTE_GRAPH || attribute.field() == ATTRIBUTE_GRAPHS) {
                                n.hasSubgraph = true;
                            }
                            attribute.skip();
                        }
                    }
                    default -> p.skip();
                }
            }
            return n;
        }

        boolean isIdentity() {
            return is("Identity");
        }

        /** Whether this is the standard ONNX operator {@code type}. */
        boolean is(String type) {
            return opType.equals(type) && (domain.isEmpty() || domain.equals("ai.onnx"));
        }

        /** This node's graph field (model[from, to)), its inputs renamed, every other field as it was. */
        byte[] withInputsRenamed(byte[] model, int from, int to, Map<String, String> replacement) {
            Protobuf field = new Protobuf(model, from, to);
            field.next();
            Protobuf node = field.message();
            List<byte[]> parts = new ArrayList<>();
            long length = 0;
            while (node.next()) {
                int start = node.fieldStart();
                byte[] part;
                if (node.field() == NODE_INPUT && node.isLengthDelimited()) {
                    String input = node.string();
                    part = Protobuf.stringField(NODE_INPUT, replacement.getOrDefault(input, input));
                } else {
                    node.skip();
                    part = Arrays.copyOfRange(model, start, node.position());
                }
                parts.add(part);
                length += part.length;
            }
            byte[] header = Protobuf.lengthDelimitedHeader(GRAPH_NODE, length);
            byte[] out = new byte[Math.toIntExact(header.length + length)];
            System.arraycopy(header, 0, out, 0, header.length);
            int at = header.length;
            for (byte[] part : parts) {
                System.arraycopy(part, 0, out, at, part.length);
                at += part.length;
            }
            return out;
        }
    }
}
