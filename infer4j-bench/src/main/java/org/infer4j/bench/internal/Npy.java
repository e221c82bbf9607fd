package org.infer4j.bench.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infer4j.ElementType;
import org.infer4j.Tensor;

/**
 * Reads numpy's {@code .npy} arrays (format 1.0 and 2.0, C order) into tensors: the recorded inputs
 * and PyTorch's outputs of the conformance zoo. Stateless.
 */
public final class Npy {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<|>=])([a-z]\\d+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /**
     * The array in {@code file} as a new tensor, which the caller closes.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is not a C-order {@code .npy} of a supported element type
     */
    public static Tensor read(Path file) throws IOException {
        try {
            return read(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The array in {@code npy} as a new tensor; see {@link #read(Path)}. */
    public static Tensor read(byte[] npy) {
        ByteBuffer b = ByteBuffer.wrap(npy).order(ByteOrder.LITTLE_ENDIAN);
        if (npy.length < 10 || b.get(0) != (byte) 0x93
                || !new String(npy, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IllegalArgumentException("not a .npy file");
        }
        int major = npy[6];
        int headerLength = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int dataStart = (major == 1 ? 10 : 12) + headerLength;
        if (headerLength < 0 || dataStart > npy.length) {
            throw new IllegalArgumentException("truncated .npy header");
        }
        String header = new String(npy, major == 1 ? 10 : 12, headerLength, StandardCharsets.US_ASCII);
        if (header.contains("'fortran_order': True")) {
            throw new IllegalArgumentException("Fortran-order .npy is not supported; save with np.ascontiguousarray");
        }
        Matcher d = DESCR.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !s.find()) {
            throw new IllegalArgumentException("unreadable .npy header: " + header.trim());
        }
        ElementType type = switch (d.group(2)) {
            case "f4" -> ElementType.FLOAT32;
            case "f2" -> ElementType.FLOAT16;
            case "i8" -> ElementType.INT64;
            case "i4" -> ElementType.INT32;
            case "i1" -> ElementType.INT8;
            case "u1" -> ElementType.UINT8;
            case "b1" -> ElementType.BOOL;
            default -> throw new IllegalArgumentException("unsupported .npy dtype " + d.group(2));
        };
        if (d.group(1).equals(">") && type.byteSize() > 1) {
            throw new IllegalArgumentException("big-endian .npy is not supported");
        }
        long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        Tensor t = Tensor.allocate(type, shape);
        try {
            if (dataStart + t.byteSize() > npy.length) {
                throw new IllegalArgumentException("the .npy holds fewer bytes than its shape " + Arrays.toString(shape)
                        + " needs");
            }
            ByteBuffer source = ByteBuffer.wrap(npy, dataStart, (int) t.byteSize()).slice().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer target = t.buffer();
            int width = type.byteSize();
            for (int i = 0; i < t.byteSize(); i += width) { // little-endian file to native order, element by element
                switch (width) {
                    case 8 -> target.putLong(i, source.getLong(i));
                    case 4 -> target.putInt(i, source.getInt(i));
                    case 2 -> target.putShort(i, source.getShort(i));
                    default -> target.put(i, source.get(i));
                }
            }
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }
}
