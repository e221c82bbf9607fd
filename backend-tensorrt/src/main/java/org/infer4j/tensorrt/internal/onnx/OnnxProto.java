package org.infer4j.tensorrt.internal.onnx;

/**
 * The field numbers of onnx.proto that the backend reads ({@link OnnxModelInfo},
 * {@link ExternalData}) or rewrites ({@link ParserRewrite}) with its own {@link Protobuf}
 * reader, named by message and field.
 */
final class OnnxProto {
    static final int MODEL_GRAPH = 7;

    static final int GRAPH_NODE = 1;
    static final int GRAPH_INITIALIZER = 5;
    static final int GRAPH_INPUT = 11;
    static final int GRAPH_OUTPUT = 12;
    static final int GRAPH_VALUE_INFO = 13;
    static final int GRAPH_SPARSE_INITIALIZER = 15;

    static final int NODE_INPUT = 1;
    static final int NODE_OUTPUT = 2;
    static final int NODE_OP_TYPE = 4;
    static final int NODE_ATTRIBUTE = 5;
    static final int NODE_DOMAIN = 7;

    static final int ATTRIBUTE_TENSOR = 5;
    static final int ATTRIBUTE_GRAPH = 6;
    static final int ATTRIBUTE_TENSORS = 10;
    static final int ATTRIBUTE_GRAPHS = 11;
    static final int ATTRIBUTE_SPARSE_TENSOR = 22;
    static final int ATTRIBUTE_SPARSE_TENSORS = 23;

    static final int TENSOR_NAME = 8;
    static final int TENSOR_EXTERNAL_DATA = 13;
    static final int STRING_ENTRY_KEY = 1;
    static final int STRING_ENTRY_VALUE = 2;
    static final int SPARSE_TENSOR_VALUES = 1;
    static final int SPARSE_TENSOR_INDICES = 2;

    static final int VALUE_INFO_NAME = 1;
    static final int VALUE_INFO_TYPE = 2;
    static final int TYPE_TENSOR = 1;
    static final int TENSOR_TYPE_ELEM_TYPE = 1;
    static final int TENSOR_TYPE_SHAPE = 2;
    static final int SHAPE_DIM = 1;
    static final int DIM_VALUE = 1;
    static final int DIM_PARAM = 2;

    private OnnxProto() {
    }
}
