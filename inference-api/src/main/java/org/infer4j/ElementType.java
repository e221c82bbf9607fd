package org.infer4j;

/** The element types a {@link Tensor} can hold, with their ONNX names and sizes. */
public enum ElementType {
    FLOAT32(4),
    /** IEEE 754 half precision. */
    FLOAT16(2),
    /** bfloat16: the upper 16 bits of a FLOAT32. */
    BFLOAT16(2),
    INT8(1),
    UINT8(1),
    INT32(4),
    INT64(8),
    /** One byte per element, 0 or 1. */
    BOOL(1);

    private final int byteSize;

    ElementType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether the type is one of the floating-point types (read back with {@link Tensor#toFloatArray()}). */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT16 || this == BFLOAT16;
    }
}
