package org.infer4j.bench.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.infer4j.InvalidInputException;
import org.infer4j.Shape;
import org.infer4j.TensorInfo;
import org.jspecify.annotations.Nullable;

/**
 * Decides the concrete shape of every model input from its metadata and the command line: an
 * unknown first dimension takes the batch size, an unknown second dimension the sequence length,
 * and {@code --shape name=AxBxC} fixes an input outright. Any other unknown dimension is an error
 * that names the input and the {@code --shape} remedy. Stateless and thread-safe.
 */
public final class InputShapes {

    private InputShapes() {
    }

    /**
     * What the user asked for.
     *
     * @param batch the batch size, or null to use 1 where the model leaves the batch open and the
     *        model's own size where it fixes one
     * @param seqLen the size of an open second dimension, or null if none was given
     * @param overrides exact shapes by input name
     */
    public record Request(@Nullable Integer batch, @Nullable Integer seqLen, Map<String, long[]> overrides) {
        public Request {
            if (batch != null && batch < 1) {
                throw new IllegalArgumentException("the batch size must be at least 1, not " + batch);
            }
            if (seqLen != null && seqLen < 1) {
                throw new IllegalArgumentException("the sequence length must be at least 1, not " + seqLen);
            }
            overrides = Map.copyOf(overrides);
        }
    }

    /**
     * The shape of every input, in model order.
     *
     * @throws InvalidInputException for a dimension nothing decides, an override that does not fit
     *         the model or names no input, or a batch size the model does not allow
     */
    public static Map<String, long[]> resolve(List<TensorInfo> inputs, Request request) {
        Set<String> names = inputs.stream().map(TensorInfo::name).collect(Collectors.toSet());
        for (String name : request.overrides().keySet()) {
            if (!names.contains(name)) {
                throw new InvalidInputException("--shape names '" + name + "', which is not an input of the model; its inputs are "
                        + inputs);
            }
        }
        checkBatchApplies(inputs, request);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (TensorInfo info : inputs) {
            long[] override = request.overrides().get(info.name());
            shapes.put(info.name(), override != null ? checkOverride(info, override) : fromMetadata(info, request));
        }
        return shapes;
    }

    /** Parses {@code 1x3x224x224} (or {@code 1,3,224,224}); a scalar is the empty string. */
    public static long[] parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isBlank()) {
            return new long[0];
        }
        String[] parts = text.trim().split("[x,]");
        long[] dims = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                dims[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a shape; write the sizes separated by x, e.g. 1x3x224x224", e);
            }
            if (dims[i] < 0) {
                throw new IllegalArgumentException("'" + text + "' has a negative size; every size must be known (>= 0)");
            }
        }
        return dims;
    }

    /** Like {@code 1x3x224x224}. */
    public static String format(long[] dims) {
        return Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining("x"));
    }

    private static long[] checkOverride(TensorInfo info, long[] override) {
        if (!info.shape().accepts(Shape.of(override))) {
            throw new InvalidInputException("--shape " + info.name() + "=" + format(override) + " does not fit the model's input "
                    + info + ": the rank and every fixed size must match");
        }
        return override.clone();
    }

    private static long[] fromMetadata(TensorInfo info, Request request) {
        long[] dims = info.shape().toArray();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != Shape.UNKNOWN) {
                continue;
            }
            if (i == 0) {
                dims[0] = request.batch() != null ? request.batch() : 1;
            } else if (i == 1 && request.seqLen() != null) {
                dims[1] = request.seqLen();
            } else {
                String dimName = info.dimensionNames().isEmpty() || info.dimensionNames().get(i).isEmpty()
                        ? "" : " ('" + info.dimensionNames().get(i) + "')";
                throw new InvalidInputException("input " + info + " has an open dimension " + i + dimName
                        + " that neither --batch nor --seq-len decides; give its shape with --shape " + info.name() + "="
                        + format(example(info, request)));
            }
        }
        return dims;
    }

    /**
     * Whether some input takes the batch size: one without a {@code --shape} whose first dimension
     * the model leaves open.
     */
    public static boolean takesBatch(List<TensorInfo> inputs, Map<String, long[]> overrides) {
        return inputs.stream().anyMatch(i -> !overrides.containsKey(i.name()) && i.shape().rank() > 0
                && i.shape().dim(0) == Shape.UNKNOWN);
    }

    /** A batch size for a model that fixes every input's batch is an error, unless it is that batch. */
    private static void checkBatchApplies(List<TensorInfo> inputs, Request request) {
        if (request.batch() == null || !request.overrides().isEmpty() || takesBatch(inputs, request.overrides())) {
            return;
        }
        for (TensorInfo info : inputs) {
            if (info.shape().rank() > 0 && info.shape().dim(0) != request.batch()) {
                throw new InvalidInputException("the model fixes the batch size of every input (" + info + " has "
                        + info.shape().dim(0) + "), so --batch " + request.batch() + " cannot apply; leave --batch out");
            }
        }
    }

    /** The model's shape with open sizes filled as far as the request goes and 1 elsewhere, for messages. */
    private static long[] example(TensorInfo info, Request request) {
        long[] dims = info.shape().toArray();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == Shape.UNKNOWN) {
                dims[i] = i == 0 && request.batch() != null ? request.batch()
                        : i == 1 && request.seqLen() != null ? request.seqLen() : 1;
            }
        }
        return dims;
    }
}
