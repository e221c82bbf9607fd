package org.infer4j.ort.internal;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.util.Arrays;
import java.util.List;
import org.infer4j.ElementType;
import org.infer4j.InferenceException;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.jspecify.annotations.Nullable;

/** Translation between infer4j's tensors and ONNX Runtime's. */
final class OrtTypes {
    private OrtTypes() {
    }

    static @Nullable ElementType elementType(OnnxJavaType t) {
        return switch (t) {
            case FLOAT -> ElementType.FLOAT32;
            case FLOAT16 -> ElementType.FLOAT16;
            case BFLOAT16 -> ElementType.BFLOAT16;
            case INT8 -> ElementType.INT8;
            case UINT8 -> ElementType.UINT8;
            case INT32 -> ElementType.INT32;
            case INT64 -> ElementType.INT64;
            case BOOL -> ElementType.BOOL;
            default -> null;
        };
    }

    static OnnxJavaType onnxType(ElementType t) {
        return switch (t) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case BFLOAT16 -> OnnxJavaType.BFLOAT16;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case BOOL -> OnnxJavaType.BOOL;
        };
    }

    /** The model's view of one input or output, or null if its type is one infer4j does not carry. */
    static @Nullable TensorInfo tensorInfo(String name, ai.onnxruntime.TensorInfo info) {
        ElementType type = elementType(info.type);
        if (type == null) {
            return null;
        }
        long[] dims = info.getShape();
        long[] shape = Arrays.stream(dims).map(d -> d < 0 ? Shape.UNKNOWN : d).toArray();
        String[] names = info.getDimensionNames();
        List<String> dimNames = names != null && names.length == dims.length ? Arrays.asList(names) : List.of();
        return new TensorInfo(name, type, Shape.of(shape), dimNames.stream().map(n -> n == null ? "" : n).toList());
    }

    /** An ONNX Runtime view of {@code tensor}'s memory; no copy, since the storage is a direct buffer. */
    static OnnxTensor view(OrtEnvironment env, Tensor tensor) {
        try {
            return OnnxTensor.createTensor(env, tensor.buffer(), tensor.shape().toArray(), onnxType(tensor.elementType()));
        } catch (OrtException e) {
            throw new InferenceException("ONNX Runtime refused a view of " + tensor.describe() + ": " + e.getMessage(), e);
        }
    }

    /** A new infer4j tensor holding a copy of an ONNX Runtime output. */
    static Tensor copyOf(OnnxTensor value) {
        ai.onnxruntime.TensorInfo info = value.getInfo();
        ElementType type = elementType(info.type);
        if (type == null) {
            throw new InferenceException("the model produced a " + info.type + " tensor, which infer4j does not carry");
        }
        Tensor t = Tensor.allocate(type, info.getShape());
        try {
            t.buffer().put(value.getByteBuffer());
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }
}
