package org.infer4j.contract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infer4j.ElementType;
import org.infer4j.Tensor;

/**
 * One of the tiny models shipped in {@code models/} (made by {@code models/make_models.py}), with
 * the inputs it was exported with and PyTorch's outputs for them, read from the test-jar.
 */
public final class ReferenceModel {
    /** The reference models with recorded outputs; {@code dtypes} (identity per element type) has none. */
    public static final List<String> NAMES = List.of("mlp_tiny", "cnn_tiny", "gru_tiny", "encoder_tiny");

    private static final String ROOT = "/org/infer4j/testmodels/";

    private final String name;

    private ReferenceModel(String name) {
        this.name = name;
    }

    public static ReferenceModel named(String name) {
        return new ReferenceModel(name);
    }

    public String name() {
        return name;
    }

    public byte[] onnxBytes() {
        return resource(name + ".onnx");
    }

    /** Fresh tensors of the recorded inputs, by input name; the caller closes them. */
    public Map<String, Tensor> inputs() {
        return tensors("input.");
    }

    /** Fresh tensors of PyTorch's outputs for {@link #inputs()}. */
    public Map<String, Tensor> expectedOutputs() {
        return tensors("output.");
    }

    private Map<String, Tensor> tensors(String prefix) {
        String listing = new String(resource(name + "/files.txt"), StandardCharsets.UTF_8);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String file : listing.split("\\R")) {
            if (file.startsWith(prefix) && file.endsWith(".npy")) {
                String tensorName = file.substring(prefix.length(), file.length() - ".npy".length());
                out.put(tensorName, readNpy(resource(name + "/" + file)));
            }
        }
        return out;
    }

    static byte[] resource(String path) {
        try (InputStream in = ReferenceModel.class.getResourceAsStream(ROOT + path)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + ROOT + path + " is missing from the inference-api test-jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<|>])(\\w\\d+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** Reads a little-endian, C-order .npy array (format 1.0) as numpy writes it. */
    static Tensor readNpy(byte[] npy) {
        ByteBuffer b = ByteBuffer.wrap(npy).order(ByteOrder.LITTLE_ENDIAN);
        if (npy.length < 10 || b.get(0) != (byte) 0x93 || !new String(npy, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IllegalArgumentException("not a .npy file");
        }
        int headerLength = Short.toUnsignedInt(b.getShort(8));
        String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
        if (header.contains("'fortran_order': True")) {
            throw new IllegalArgumentException("Fortran-order .npy is not supported");
        }
        Matcher d = DESCR.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !s.find()) {
            throw new IllegalArgumentException("unreadable .npy header: " + header);
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
        long[] shape = s.group(1).isBlank() ? new long[0]
                : java.util.Arrays.stream(s.group(1).split(",")).map(String::trim).filter(x -> !x.isEmpty())
                        .mapToLong(Long::parseLong).toArray();
        Tensor t = Tensor.allocate(type, shape);
        ByteBuffer target = t.buffer();
        int width = type.byteSize();
        for (int i = 0; i < t.byteSize(); i += width) { // to native order element by element
            switch (width) {
                case 8 -> target.putLong(i, b.getLong(10 + headerLength + i));
                case 4 -> target.putInt(i, b.getInt(10 + headerLength + i));
                case 2 -> target.putShort(i, b.getShort(10 + headerLength + i));
                default -> target.put(i, b.get(10 + headerLength + i));
            }
        }
        return t;
    }
}
