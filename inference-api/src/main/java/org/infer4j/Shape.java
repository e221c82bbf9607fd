package org.infer4j;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable tensor shape. In model metadata a dimension may be unknown ({@link #UNKNOWN}, -1):
 * it is fixed only when an input arrives. A tensor's own shape is always fully known.
 */
public final class Shape {
    /** The marker for a dimension whose size is decided at run time. */
    public static final long UNKNOWN = -1;

    private final long[] dims;

    private Shape(long[] dims) {
        this.dims = dims;
    }

    /** A shape with these dimensions; -1 marks an unknown dimension. */
    public static Shape of(long... dims) {
        Objects.requireNonNull(dims, "dims");
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < UNKNOWN) {
                throw new IllegalArgumentException(
                        "dimension " + i + " of " + Arrays.toString(dims) + " is " + dims[i]
                                + "; sizes are >= 0, or -1 for an unknown dimension");
            }
        }
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    /** The size of dimension {@code index}, or {@link #UNKNOWN}. */
    public long dim(int index) {
        return dims[index];
    }

    /** A copy of the dimensions. */
    public long[] toArray() {
        return dims.clone();
    }

    /** Whether every dimension is known. */
    public boolean isStatic() {
        for (long d : dims) {
            if (d == UNKNOWN) {
                return false;
            }
        }
        return true;
    }

    /**
     * The number of elements.
     *
     * @throws IllegalStateException if a dimension is unknown
     * @throws ArithmeticException if the count overflows a long
     */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            if (d == UNKNOWN) {
                throw new IllegalStateException("shape " + this + " has unknown dimensions; it has no element count");
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Whether a concrete shape fits this (possibly partly unknown) one: same rank, and every known
     * dimension equal.
     */
    public boolean accepts(Shape concrete) {
        if (concrete.dims.length != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != UNKNOWN && dims[i] != concrete.dims[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Like {@code [1, 3, 224, 224]}, with {@code ?} for unknown dimensions. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i] == UNKNOWN ? "?" : Long.toString(dims[i]));
        }
        return sb.append(']').toString();
    }
}
