package org.infer4j.tensorrt.internal.onnx;

import static org.infer4j.tensorrt.internal.onnx.OnnxProto.DIM_PARAM;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.DIM_VALUE;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_INITIALIZER;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_INPUT;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.GRAPH_OUTPUT;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.MODEL_GRAPH;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.SHAPE_DIM;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.TENSOR_NAME;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.TENSOR_TYPE_ELEM_TYPE;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.TENSOR_TYPE_SHAPE;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.TYPE_TENSOR;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.VALUE_INFO_NAME;
import static org.infer4j.tensorrt.internal.onnx.OnnxProto.VALUE_INFO_TYPE;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.infer4j.ElementType;
import org.infer4j.ModelLoadException;
import org.infer4j.Shape;
import org.infer4j.TensorInfo;

/**
 * The graph inputs and outputs of an ONNX model, with the names of their dynamic dimensions,
 * read straight from the protobuf bytes. Reading them without TensorRT lets the engine-cache key
 * and the optimisation profiles be derived before (and, on a cache hit, instead of) running the
 * ONNX parser; a protobuf library would be a large dependency for five fields. Immutable.
 *
 * @param inputs the graph inputs callers feed, in model order (initializers listed as inputs left out)
 * @param outputs the graph outputs, in model order
 */
public record OnnxModelInfo(List<TensorInfo> inputs, List<TensorInfo> outputs) {
    public OnnxModelInfo {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * Reads the inputs and outputs of a model.
     *
     * @param model the ONNX model's bytes
     * @param modelName the model's name, for exception messages
     * @return the model's inputs and outputs
     * @throws ModelLoadException if the bytes are not an ONNX model with a graph, or an input or
     *                            output has a type infer4j cannot carry
     */
    public static OnnxModelInfo parse(byte[] model, String modelName) {
        try {
            Protobuf graph = null;
            Protobuf m = new Protobuf(model, 0, model.length);
            while (m.next()) {
                if (m.field() == MODEL_GRAPH && m.isLengthDelimited()) {
                    graph = m.message();
                } else {
                    m.skip();
                }
            }
            if (graph == null) {
                throw new ModelLoadException(modelName + " is not an ONNX model: it has no graph; export it again "
                        + "(torch.onnx.export) and check it with onnx.checker.check_model");
            }
            List<Protobuf> inputMessages = new ArrayList<>();
            List<Protobuf> outputMessages = new ArrayList<>();
            Set<String> initializers = new HashSet<>();
            while (graph.next()) {
                if (!graph.isLengthDelimited()) {
                    graph.skip();
                    continue;
                }
                switch (graph.field()) {
                    case GRAPH_INPUT -> inputMessages.add(graph.message());
                    case GRAPH_OUTPUT -> outputMessages.add(graph.message());
                    case GRAPH_INITIALIZER -> initializers.add(graph.message().readString(TENSOR_NAME));
                    default -> graph.skip();
                }
            }
            List<TensorInfo> inputs = new ArrayList<>();
            for (Protobuf p : inputMessages) {
                TensorInfo info = valueInfo(p, modelName);
                // older exporters list weights among the graph inputs; they are not fed by callers
                if (!initializers.contains(info.name())) {
                    inputs.add(info);
                }
            }
            List<TensorInfo> outputs = new ArrayList<>();
            for (Protobuf p : outputMessages) {
                outputs.add(valueInfo(p, modelName));
            }
            if (inputs.isEmpty() || outputs.isEmpty()) {
                throw new ModelLoadException(modelName + " has " + inputs.size() + " inputs and " + outputs.size()
                        + " outputs; a model needs at least one of each");
            }
            return new OnnxModelInfo(inputs, outputs);
        } catch (Protobuf.MalformedException | IllegalArgumentException e) {
            throw new ModelLoadException(modelName + " is not a valid ONNX model (" + e.getMessage()
                    + "); the file may be truncated or not ONNX at all", e);
        }
    }

    private static TensorInfo valueInfo(Protobuf v, String modelName) {
        String name = null;
        int elemType = 0;
        List<Long> dims = new ArrayList<>();
        List<String> dimNames = new ArrayList<>();
        boolean hasShape = false;
        while (v.next()) {
            if (v.field() == VALUE_INFO_NAME && v.isLengthDelimited()) {
                name = v.string();
            } else if (v.field() == VALUE_INFO_TYPE && v.isLengthDelimited()) {
                Protobuf type = v.message();
                while (type.next()) {
                    if (type.field() == TYPE_TENSOR && type.isLengthDelimited()) {
                        Protobuf tensorType = type.message();
                        while (tensorType.next()) {
                            if (tensorType.field() == TENSOR_TYPE_ELEM_TYPE && tensorType.isVarint()) {
                                elemType = (int) tensorType.varint();
                            } else if (tensorType.field() == TENSOR_TYPE_SHAPE && tensorType.isLengthDelimited()) {
                                hasShape = true;
                                Protobuf shape = tensorType.message();
                                while (shape.next()) {
                                    if (shape.field() == SHAPE_DIM && shape.isLengthDelimited()) {
                                        readDim(shape.message(), dims, dimNames);
                                    } else {
                                        shape.skip();
                                    }
                                }
                            } else {
                                tensorType.skip();
                            }
                        }
                    } else {
                        type.skip();
                    }
                }
            } else {
                v.skip();
            }
        }
        if (name == null) {
            throw new Protobuf.MalformedException("a graph input or output has no name");
        }
        if (!hasShape) {
            throw new ModelLoadException("'" + name + "' of " + modelName + " has no shape (not even its rank); "
                    + "TensorRT needs the rank of every input and output: export with shapes (onnx.shape_inference)");
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        boolean named = dimNames.stream().anyMatch(n -> !n.isEmpty());
        return new TensorInfo(name, elementType(elemType, name, modelName), Shape.of(shape),
                named ? dimNames : List.of());
    }

    private static void readDim(Protobuf dim, List<Long> dims, List<String> dimNames) {
        long value = Shape.UNKNOWN;
        String param = "";
        while (dim.next()) {
            if (dim.field() == DIM_VALUE && dim.isVarint()) {
                value = dim.varint();
            } else if (dim.field() == DIM_PARAM && dim.isLengthDelimited()) {
                param = dim.string();
            } else {
                dim.skip();
            }
        }
        // dim_value 0 means "unset" in proto3 readers; ONNX uses it for an unknown, unnamed dimension
        dims.add(value <= 0 ? Shape.UNKNOWN : value);
        dimNames.add(value > 0 ? "" : param);
    }

    static ElementType elementType(int onnxType, String name, String modelName) {
        return switch (onnxType) {
            case 1 -> ElementType.FLOAT32;
            case 2 -> ElementType.UINT8;
            case 3 -> ElementType.INT8;
            case 6 -> ElementType.INT32;
            case 7 -> ElementType.INT64;
            case 9 -> ElementType.BOOL;
            case 10 -> ElementType.FLOAT16;
            case 16 -> ElementType.BFLOAT16;
            default -> throw new ModelLoadException("'" + name + "' of " + modelName + " has ONNX element type " + onnxType
                    + ", which the tensorrt backend cannot carry; supported are FLOAT, FLOAT16, BFLOAT16, INT8, UINT8, "
                    + "INT32, INT64 and BOOL inputs and outputs (cast in the model)");
        };
    }
}
