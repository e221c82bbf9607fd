package org.infer4j.tensorrt.internal.nativeinterop;

import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.infer4j.ElementType;
import org.jspecify.annotations.Nullable;

/** TensorRT data types against infer4j element types. Stateless. */
public final class TrtTypes {
    private TrtTypes() {
    }

    /**
     * The element type of a TensorRT I/O data type.
     *
     * @param type a TensorRT tensor data type
     * @return the infer4j element type, or null if infer4j has none (FP8, INT4)
     */
    public static @Nullable ElementType elementType(DataType type) {
        return switch (type.intern()) {
            case kFLOAT -> ElementType.FLOAT32;
            case kHALF -> ElementType.FLOAT16;
            case kBF16 -> ElementType.BFLOAT16;
            case kINT8 -> ElementType.INT8;
            case kUINT8 -> ElementType.UINT8;
            case kINT32 -> ElementType.INT32;
            case kINT64 -> ElementType.INT64;
            case kBOOL -> ElementType.BOOL;
            default -> null;
        };
    }
}
