package org.infer4j.bench.internal;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.infer4j.ElementType;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * Seeded random inputs from a model's metadata, the same values for the same seed on every backend
 * and in every run: each input draws from its own generator, seeded from the seed and the input's
 * name, so values do not depend on input order or on which other inputs exist.
 *
 * <ul>
 *   <li>integer inputs named like {@code *mask*}: ones (nothing masked);</li>
 *   <li>integer inputs named like {@code *token_type*} or {@code *segment*}: zeros (BERT-style
 *       segment ids index a table of two rows);</li>
 *   <li>other integer inputs (e.g. {@code input_ids}): uniform in {@code [0, maxTokenId)}, clipped
 *       to the type's range;</li>
 *   <li>BOOL inputs: true for masks, random otherwise;</li>
 *   <li>floating-point inputs: standard normal.</li>
 * </ul>
 *
 * Stateless and thread-safe.
 */
public final class InputGenerator {

    private InputGenerator() {
    }

    /**
     * New host tensors for {@code inputs} with the given shapes; the caller owns and closes them.
     *
     * @throws IllegalArgumentException if {@code maxTokenId} is below 1 or a shape is missing
     */
    public static Map<String, Tensor> generate(List<TensorInfo> inputs, Map<String, long[]> shapes, long seed, int maxTokenId) {
        if (maxTokenId < 1) {
            throw new IllegalArgumentException("--max-token-id must be at least 1, not " + maxTokenId);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            for (TensorInfo info : inputs) {
                long[] shape = shapes.get(info.name());
                if (shape == null) {
                    throw new IllegalArgumentException("no shape decided for input '" + info.name() + "'");
                }
                tensors.put(info.name(), generate(info, shape, new SplittableRandom(seedFor(seed, info.name())), maxTokenId));
            }
            return tensors;
        } catch (RuntimeException e) {
            tensors.values().forEach(Tensor::close);
            throw e;
        }
    }

    private static Tensor generate(TensorInfo info, long[] shape, SplittableRandom random, int maxTokenId) {
        String name = info.name().toLowerCase(Locale.ROOT);
        ElementType type = info.elementType();
        int count = Math.toIntExact(elementCount(shape));
        if (type.isFloatingPoint()) {
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] = (float) random.nextGaussian();
            }
            return switch (type) {
                case FLOAT16 -> Tensor.ofFloat16(values, shape);
                case BFLOAT16 -> Tensor.ofBFloat16(values, shape);
                default -> Tensor.of(values, shape);
            };
        }
        boolean mask = name.contains("mask");
        if (type == ElementType.BOOL) {
            boolean[] values = new boolean[count];
            for (int i = 0; i < count; i++) {
                values[i] = mask || random.nextBoolean();
            }
            return Tensor.of(values, shape);
        }
        boolean segment = name.contains("token_type") || name.contains("segment");
        long bound = Math.min(maxTokenId, maxExclusive(type));
        Tensor tensor = Tensor.allocate(type, shape);
        ByteBuffer buffer = tensor.buffer();
        for (int i = 0; i < count; i++) {
            long value = mask ? 1 : segment ? 0 : random.nextLong(bound);
            switch (type) {
                case INT64 -> buffer.putLong(8 * i, value);
                case INT32 -> buffer.putInt(4 * i, (int) value);
                default -> buffer.put(i, (byte) value); // INT8 and UINT8: bound keeps the value in range
            }
        }
        return tensor;
    }

    private static long maxExclusive(ElementType type) {
        return switch (type) {
            case INT8 -> Byte.MAX_VALUE + 1L;
            case UINT8 -> 256;
            case INT32 -> Integer.MAX_VALUE + 1L;
            default -> Long.MAX_VALUE;
        };
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Mixes the name into the seed (SplitMix64 finaliser), so that similar names give unrelated streams. */
    private static long seedFor(long seed, String name) {
        long z = seed * 0x9E3779B97F4A7C15L + name.hashCode();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
