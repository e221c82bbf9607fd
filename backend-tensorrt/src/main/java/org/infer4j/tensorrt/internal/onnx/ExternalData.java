package org.infer4j.tensorrt.internal.onnx;

import static org.infer4j.tensorrt.internal.onnx.OnnxProto.ATTRIBUTE_GRAPH;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.ATTRIBUTE_GRAPHS;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.ATTRIBUTE_SPARSE_TENSOR;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.ATTRIBUTE_SPARSE_TENSORS;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.ATTRIBUTE_TENSOR;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.ATTRIBUTE_TENSORS;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_INITIALIZER;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_NODE;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_SPARSE_INITIALIZER;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.MODEL_GRAPH;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.NODE_ATTRIBUTE;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.SPARSE_TENSOR_INDICES;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.SPARSE_TENSOR_VALUES;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.STRING_ENTRY_KEY;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.STRING_ENTRY_VALUE;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.TENSOR_EXTERNAL_DATA;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The files an ONNX model keeps tensors in beside itself (ONNX external data: a tensor's
 * {@code external_data} entry {@code location}), and a digest of their contents for the engine
 * cache key. TensorRT's parser reads weights from them, so replacing one must build a new engine
 * although the model file is unchanged. Stateless.
 */
public final class ExternalData {
    private static final int CHUNK = 1 << 20;

    private ExternalData() {
    }

    /**
     * The locations named by the tensors of the graph, its subgraphs and its nodes' tensor
     * attributes, sorted and each once; empty for a model without external data or one whose bytes
     * cannot be read as a model (its build fails on its own).
     */
    static Set<String> locations(byte[] model) {
        Set<String> locations = new TreeSet<>();
        try {
            Protobuf m = new Protobuf(model, 0, model.length);
            while (m.next()) {
                if (m.field() == MODEL_GRAPH && m.isLengthDelimited()) {
                    graph(m.message(), locations);
                } else {
                    m.skip();
                }
            }
        } catch (Protobuf.MalformedException e) {
            return Set.of();
        }
        return locations;
    }

    /**
     * A digest of the files {@link #locations} names, read from {@code directory} (the model's, as
     * TensorRT's parser resolves them): empty if there are none. Each file enters by its name, size
     * and CRC32C, a checksum that detects a replaced file at a fraction of a cryptographic hash's
     * cost, which matters for weights of many gigabytes read at every start; a missing or
     * unreadable file enters as such.
     *
     * @param model the ONNX model's bytes
     * @param directory where the model's external data files lie
     * @return the hex SHA-256 over every file's name, size and checksum, or {@code ""} for a model without external data
     */
    public static String digest(byte[] model, Path directory) {
        Set<String> locations = locations(model);
        if (locations.isEmpty()) {
            return "";
        }
        MessageDigest sha = sha256();
        for (String location : locations) {
            sha.update((location.length() + ":" + location + "=" + contents(directory.resolve(location)) + ";")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String contents(Path file) {
        CRC32C crc = new CRC32C();
        long size = 0;
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            while (in.read(buffer) >= 0) {
                buffer.flip();
                size += buffer.remaining();
                crc.update(buffer);
                buffer.clear();
            }
        } catch (NoSuchFileException e) {
            return "missing";
        } catch (IOException e) {
            return "unreadable";
        }
        return size + " bytes, crc32c " + Long.toHexString(crc.getValue());
    }

    private static void graph(Protobuf graph, Set<String> locations) {
        while (graph.next()) {
            if (!graph.isLengthDelimited()) {
                graph.skip();
                continue;
            }
            switch (graph.field()) {
                case GRAPH_INITIALIZER -> tensor(graph.message(), locations);
                case GRAPH_SPARSE_INITIALIZER -> sparseTensor(graph.message(), locations);
                case GRAPH_NODE -> node(graph.message(), locations);
                default -> graph.skip();
            }
        }
    }

    private static void node(Protobuf node, Set<String> locations) {
        while (node.next()) {
            if (node.field() == NODE_ATTRIBUTE && node.isLengthDelimited()) {
                attribute(node.message(), locations);
            } else {
                node.skip();
            }
        }
    }

    private static void attribute(Protobuf attribute, Set<String> locations) {
        while (attribute.next()) {
            if (!attribute.isLengthDelimited()) {
                attribute.skip();
                continue;
            }
            switch (attribute.field()) {
                case ATTRIBUTE_TENSOR, ATTRIBUTE_TENSORS -> tensor(attribute.message(), locations);
                case ATTRIBUTE_GRAPH, ATTRIBUTE_GRAPHS -> graph(attribute.message(), locations);
                case ATTRIBUTE_SPARSE_TENSOR, ATTRIBUTE_SPARSE_TENSORS -> sparseTensor(attribute.message(), locations);
                default -> attribute.skip();
            }
        }
    }

    private static void sparseTensor(Protobuf sparse, Set<String> locations) {
        while (sparse.next()) {
            if ((sparse.field() == SPARSE_TENSOR_VALUES || sparse.field() == SPARSE_TENSOR_INDICES)
                    && sparse.isLengthDelimited()) {
                tensor(sparse.message(), locations);
            } else {
                sparse.skip();
            }
        }
    }

    private static void tensor(Protobuf tensor, Set<String> locations) {
        while (tensor.next()) {
            if (tensor.field() == TENSOR_EXTERNAL_DATA && tensor.isLengthDelimited()) {
                Protobuf entry = tensor.message();
                @Nullable String key = null;
                @Nullable String value = null;
                while (entry.next()) {
                    if (entry.field() == STRING_ENTRY_KEY && entry.isLengthDelimited()) {
                        key = entry.string();
                    } else if (entry.field() == STRING_ENTRY_VALUE && entry.isLengthDelimited()) {
                        value = entry.string();
                    } else {
                        entry.skip();
                    }
                }
                if ("location".equals(key) && value != null) {
                    locations.add(value);
                }
            } else {
                tensor.skip();
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
