package org.infer4j.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.infer4j.InvalidInputException;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * Checks a call's inputs against a model's, with messages that name the tensor and give expected
 * against actual: for engines ({@code AbstractInferenceEngine}) and for what stands in front of
 * them (dynamic batching checks each request before merging it with others). Immutable and
 * thread-safe; a check allocates nothing unless it fails.
 */
public final class InputCheck {
    private final List<TensorInfo> inputs;
    private final Map<String, TensorInfo> inputsByName = new LinkedHashMap<>();
    private final NamedDimension[] namedDimensions;

    /**
     * Unknown input dimensions that the model gives one name (e.g. {@code seq} of {@code input_ids}
     * and of {@code attention_mask}): in ONNX, and for exporters such as PyTorch's, one name is one
     * size, so a call must give them equal sizes. Checking it up front turns what would otherwise fail
     * deep inside the model (a broadcast or reshape of some node) into an error that names the inputs.
     */
    private record NamedDimension(String name, TensorInfo[] inputs, int[] axes) {
    }

    private static NamedDimension[] namedDimensions(List<TensorInfo> inputs) {
        Map<String, List<Map.Entry<TensorInfo, Integer>>> byName = new LinkedHashMap<>();
        for (TensorInfo info : inputs) {
            for (int axis = 0; axis < info.dimensionNames().size(); axis++) {
                String name = info.dimensionNames().get(axis);
                if (!name.isEmpty() && info.shape().dim(axis) == Shape.UNKNOWN) {
                    byName.computeIfAbsent(name, n -> new ArrayList<>()).add(Map.entry(info, axis));
                }
            }
        }
        return byName.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> new NamedDimension(e.getKey(), e.getValue().stream().map(Map.Entry::getKey).toArray(TensorInfo[]::new),
                        e.getValue().stream().mapToInt(Map.Entry::getValue).toArray()))
                .toArray(NamedDimension[]::new);
    }

    /**
     * Checks a call's inputs against the model: every input present, no unknown name, open tensors
     * of the model's element type and a shape that fits its known dimensions, and equal sizes where
     * the model gives unknown dimensions one name.
     *
     * @throws InvalidInputException naming the first problem
     */
    public void check(Map<String, ? extends Tensor> in) {
        Objects.requireNonNull(in, "inputs");
        for (Map.Entry<String, ? extends Tensor> e : in.entrySet()) {
            if (!inputsByName.containsKey(e.getKey())) {
                throw new InvalidInputException("unknown input '" + e.getKey() + "'; the model's inputs are " + inputs);
            }
        }
        for (TensorInfo info : inputs) {
            Tensor t = in.get(info.name());
            if (t == null && in.containsKey(info.name())) {
                throw new InvalidInputException("input '" + info.name() + "' is null");
            }
            if (t == null) {
                throw new InvalidInputException("missing input '" + info.name() + "' (" + info + "); the model's inputs are "
                        + inputs);
            }
            checkTensor("input", info, t);
        }
        for (NamedDimension d : namedDimensions) { // arrays, no iterators: checkInputs runs on every call
            // every input is present: checked above
            Tensor first = Objects.requireNonNull(in.get(d.inputs()[0].name()));
            long size = first.shape().dim(d.axes()[0]);
            for (int i = 1; i < d.inputs().length; i++) {
                Tensor other = Objects.requireNonNull(in.get(d.inputs()[i].name()));
                if (other.shape().dim(d.axes()[i]) != size) {
                    throw new InvalidInputException("input '" + d.inputs()[i].name() + "' has shape " + other.shape()
                            + ", whose dimension " + d.axes()[i] + " ('" + d.name() + "') is " + other.shape().dim(d.axes()[i])
                            + ", but input '" + d.inputs()[0].name() + "' has shape " + first.shape() + ", whose dimension "
                            + d.axes()[0] + " ('" + d.name() + "') is " + size + "; the model names both '" + d.name()
                            + "', so they must be equal (" + inputs + ")");
                }
            }
        }
    }

    public static void checkTensor(String role, TensorInfo info, Tensor t) {
        if (t == null) {
            throw new InvalidInputException(role + " '" + info.name() + "' is null");
        }
        if (t.isClosed()) {
            throw new IllegalStateException(role + " '" + info.name() + "' is a closed tensor");
        }
        if (t.elementType() != info.elementType()) {
            throw new InvalidInputException(role + " '" + info.name() + "' is " + t.elementType() + " but the model expects "
                    + info.elementType() + " (" + info + ")");
        }
        if (!info.shape().accepts(t.shape())) {
            throw new InvalidInputException(shapeMismatch(role, info, t.shape()));
        }
    }

    public static String shapeMismatch(String role, TensorInfo info, Shape actual) {
        String name = info.name();
        if (actual.rank() != info.shape().rank()) {
            return role + " '" + name + "' has rank " + actual.rank() + " (shape " + actual + ") but the model expects rank "
                    + info.shape().rank() + " (" + info + ")";
        }
        for (int i = 0; i < actual.rank(); i++) {
            long expected = info.shape().dim(i);
            if (expected != Shape.UNKNOWN && expected != actual.dim(i)) {
                return role + " '" + name + "' has shape " + actual + " but the model expects " + info + ": dimension " + i
                        + " is " + actual.dim(i) + ", expected " + expected;
            }
        }
        throw new IllegalStateException("no mismatch between " + actual + " and " + info);
    }

    /** @param inputs the model's inputs, in model order */
    public InputCheck(List<TensorInfo> inputs) {
        this.inputs = List.copyOf(inputs);
        this.inputs.forEach(i -> inputsByName.put(i.name(), i));
        this.namedDimensions = namedDimensions(this.inputs);
    }
}
