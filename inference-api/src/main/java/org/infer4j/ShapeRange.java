package org.infer4j;

import java.util.Objects;

/**
 * The shapes one input with dynamic dimensions will take: every run stays within min..max per
 * dimension, and backends that specialise (TensorRT's optimisation profiles) tune for {@code optimal}.
 */
public record ShapeRange(Shape min, Shape optimal, Shape max) {

    public ShapeRange {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(optimal, "optimal");
        Objects.requireNonNull(max, "max");
        if (min.rank() != optimal.rank() || min.rank() != max.rank()) {
            throw new IllegalArgumentException("min " + min + ", optimal " + optimal + " and max " + max + " differ in rank");
        }
        if (!min.isStatic() || !optimal.isStatic() || !max.isStatic()) {
            throw new IllegalArgumentException("shape ranges need known sizes, not " + min + " / " + optimal + " / " + max);
        }
        for (int i = 0; i < min.rank(); i++) {
            if (min.dim(i) > optimal.dim(i) || optimal.dim(i) > max.dim(i)) {
                throw new IllegalArgumentException("dimension " + i + " must satisfy min <= optimal <= max, but is "
                        + min.dim(i) + " / " + optimal.dim(i) + " / " + max.dim(i));
            }
        }
    }

    public static ShapeRange of(long[] min, long[] optimal, long[] max) {
        return new ShapeRange(Shape.of(min), Shape.of(optimal), Shape.of(max));
    }

    /** A range of one shape, for an input that never changes. */
    public static ShapeRange fixed(long... shape) {
        Shape s = Shape.of(shape);
        return new ShapeRange(s, s, s);
    }

    /** Whether {@code shape} lies within the range. */
    public boolean contains(Shape shape) {
        if (shape.rank() != min.rank()) {
            return false;
        }
        for (int i = 0; i < shape.rank(); i++) {
            if (shape.dim(i) < min.dim(i) || shape.dim(i) > max.dim(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "min " + min + ", optimal " + optimal + ", max " + max;
    }
}
