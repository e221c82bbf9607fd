package org.infer4j.bench.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.infer4j.ElementType;
import org.infer4j.MemoryLocation;
import org.infer4j.Tensor;
import org.jspecify.annotations.Nullable;

/**
 * One reference output of the soak: a copy of the tensor an engine produced, on the Java heap, to
 * which every later output for the same inputs is compared ({@link #mismatch}). Immutable and
 * thread-safe: {@link #mismatch} only reads it.
 */
public final class ExpectedOutput {
    private final ElementType elementType;
    private final long[] shape;
    /** The elements in native byte order, read-only. */
    private final ByteBuffer bytes;
    /** The elements widened to float, for floating-point outputs; null otherwise. */
    private final float @Nullable [] floats;
    /** The largest finite magnitude among {@link #floats}, at least 1. */
    private final double scale;

    private ExpectedOutput(ElementType elementType, long[] shape, ByteBuffer bytes, float @Nullable [] floats) {
        this.elementType = elementType;
        this.shape = shape;
        this.bytes = bytes.asReadOnlyBuffer().order(ByteOrder.nativeOrder());
        this.floats = floats;
        double largest = 1;
        if (floats != null) {
            for (float v : floats) {
                if (Float.isFinite(v)) {
                    largest = Math.max(largest, Math.abs(v));
                }
            }
        }
        this.scale = largest;
    }

    /**
     * A copy of {@code tensor}'s elements.
     *
     * @param tensor a host tensor, open
     * @return the reference
     * @throws IllegalStateException if the tensor is closed or lives on the device
     */
    public static ExpectedOutput of(Tensor tensor) {
        ByteBuffer copy = ByteBuffer.allocate(Math.toIntExact(tensor.byteSize())).order(ByteOrder.nativeOrder());
        copy.put(tensor.buffer()).flip();
        return new ExpectedOutput(tensor.elementType(), tensor.shape().toArray(), copy,
                tensor.elementType().isFloatingPoint() ? tensor.toFloatArray() : null);
    }

    /**
     * Why {@code actual} does not match this reference under {@code check}, or null when it does:
     * the element type, shape, or the values, with the number of elements that differ, the first of
     * them (flat index, expected and actual value) and the largest difference.
     *
     * @param actual the output to check, open
     * @param check exact or within a tolerance; integer and boolean outputs are always compared exactly
     * @return null for a match, else a one-line description of the difference
     */
    public @Nullable String mismatch(Tensor actual, OutputCheck check) {
        if (actual.location() != MemoryLocation.HOST) {
            return "the output lives on the device, where it cannot be compared";
        }
        if (actual.elementType() != elementType) {
            return "element type " + actual.elementType() + ", expected " + elementType;
        }
        if (!Arrays.equals(actual.shape().toArray(), shape)) {
            return "shape " + Arrays.toString(actual.shape().toArray()) + ", expected " + Arrays.toString(shape);
        }
        ByteBuffer got = actual.buffer();
        int firstByte = bytes.duplicate().mismatch(got);
        if (firstByte < 0) {
            return null;
        }
        float[] expected = floats;
        if (expected == null) {
            return integerMismatch(got, firstByte / elementType.byteSize());
        }
        return floatMismatch(expected, actual.toFloatArray(), got, firstByte / elementType.byteSize(), check);
    }

    /** A SHA-256 of the element type, shape and bytes: equal references have equal digests, across processes. */
    public String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((elementType + Arrays.toString(shape)).getBytes(StandardCharsets.UTF_8));
            sha.update(bytes.duplicate());
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no SHA-256, which every Java SE runtime must have", e);
        }
    }

    private String integerMismatch(ByteBuffer got, int first) {
        long count = 0;
        int n = bytes.capacity() / elementType.byteSize();
        for (int i = 0; i < n; i++) {
            if (integerAt(bytes, i) != integerAt(got, i)) {
                count++;
            }
        }
        return String.format(Locale.ROOT, "%d of %d elements differ; first at %d: expected %d, got %d", count, n, first,
                integerAt(bytes, first), integerAt(got, first));
    }

    private long integerAt(ByteBuffer b, int i) {
        return switch (elementType) {
            case INT64 -> b.getLong(8 * i);
            case INT32 -> b.getInt(4 * i);
            case UINT8 -> Byte.toUnsignedLong(b.get(i));
            default -> b.get(i); // INT8, BOOL
        };
    }

    private @Nullable String floatMismatch(float[] expected, float[] got, ByteBuffer gotBytes, int firstBitwise, OutputCheck check) {
        double allowed = check.tolerance() * scale;
        int size = elementType.byteSize();
        long count = 0;
        int first = -1;
        double largest = 0;
        for (int i = 0; i < expected.length; i++) {
            boolean differs;
            if (check.exact()) {
                differs = i >= firstBitwise && bytes.slice(i * size, size).mismatch(gotBytes.slice(i * size, size)) >= 0;
            } else if (Float.isNaN(expected[i]) || Float.isNaN(got[i])) {
                differs = Float.isNaN(expected[i]) != Float.isNaN(got[i]);
            } else {
                differs = !(Math.abs((double) got[i] - expected[i]) <= allowed);
            }
            if (Float.isFinite(expected[i]) && Float.isFinite(got[i])) {
                largest = Math.max(largest, Math.abs((double) got[i] - expected[i]));
            }
            if (differs) {
                count++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (count == 0) {
            return null; // within the tolerance, or NaNs whose payloads differ
        }
        return String.format(Locale.ROOT, "%d of %d elements differ (%s); first at %d: expected %s, got %s; largest |difference| %.3g"
                        + " (reference scale %.3g)", count, expected.length, check.describe(), first, Float.toString(expected[first]),
                Float.toString(got[first]), largest, scale);
    }
}
