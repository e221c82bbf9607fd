package org.infer4j;

import java.util.List;
import java.util.Objects;

/**
 * A model input or output: its name, element type and shape, where unknown dimensions are
 * {@link Shape#UNKNOWN} and, where the model names them (e.g. {@code batch}, {@code seq}), carry
 * that name in {@link #dimensionNames()} (an empty string for an unnamed dimension).
 */
public record TensorInfo(String name, ElementType elementType, Shape shape, List<String> dimensionNames) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(shape, "shape");
        dimensionNames = List.copyOf(dimensionNames);
        if (!dimensionNames.isEmpty() && dimensionNames.size() != shape.rank()) {
            throw new IllegalArgumentException("dimensionNames " + dimensionNames + " do not match rank of " + shape);
        }
    }

    public TensorInfo(String name, ElementType elementType, Shape shape) {
        this(name, elementType, shape, List.of());
    }

    /** Like {@code input_ids: INT64[batch, seq]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(": ").append(elementType).append('[');
        for (int i = 0; i < shape.rank(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            long d = shape.dim(i);
            String dimName = dimensionNames.isEmpty() ? "" : dimensionNames.get(i);
            sb.append(d != Shape.UNKNOWN ? Long.toString(d) : dimName.isEmpty() ? "?" : dimName);
        }
        return sb.append(']').toString();
    }
}
