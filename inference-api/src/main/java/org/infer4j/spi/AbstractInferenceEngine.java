package org.infer4j.spi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.spi.CloseGuard;

/**
 * The part of an engine every backend shares: input and output validation with messages that name
 * the tensor and give expected against actual, use-after-close protection that never lets a native
 * resource be freed under a running call, and a generic {@link Binding}. Subclasses implement
 * {@link #execute} and {@link #executeInto} on already-validated arguments, and {@link #release()}.
 */
public abstract class AbstractInferenceEngine implements InferenceEngine {
    private final String backend;
    private final List<TensorInfo> inputs;
    private final List<TensorInfo> outputs;
    private final Map<String, TensorInfo> inputsByName = new LinkedHashMap<>();
    private final Map<String, TensorInfo> outputsByName = new LinkedHashMap<>();
    private final CloseGuard guard;
    private final NamedDimension[] namedDimensions;

    /**
     * Unknown input dimensions that the model gives one name (e.g. {@code seq} of {@code input_ids}
     * and of {@code attention_mask}): in ONNX, and for exporters such as PyTorch's, one name is one
     * size, so a call must give them equal sizes. Checking it up front turns what would otherwise fail
     * deep inside the model (a broadcast or reshape of some node) into an error that names the inputs.
     */
    private record NamedDimension(String name, TensorInfo[] inputs, int[] axes) {
    }

    protected AbstractInferenceEngine(String backend, String modelName, List<TensorInfo> inputs, List<TensorInfo> outputs) {
        this.backend = backend;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        inputs.forEach(i -> inputsByName.put(i.name(), i));
        outputs.forEach(o -> outputsByName.put(o.name(), o));
        this.guard = new CloseGuard(backend + " engine for " + modelName);
        this.namedDimensions = namedDimensions(this.inputs);
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

    @Override
    public final String backend() {
        return backend;
    }

    @Override
    public final List<TensorInfo> inputs() {
        guard.ensureOpen();
        return inputs;
    }

    @Override
    public final List<TensorInfo> outputs() {
        guard.ensureOpen();
        return outputs;
    }

    @Override
    public final Outputs run(Map<String, ? extends Tensor> in) {
        guard.enter();
        try {
            checkInputs(in);
            return execute(in);
        } finally {
            guard.exit();
        }
    }

    @Override
    public final void run(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out) {
        guard.enter();
        try {
            checkInputs(in);
            checkOutputs(out);
            executeInto(in, out);
        } finally {
            guard.exit();
        }
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> in) {
        return bind(in, Map.of());
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out) {
        guard.enter();
        try {
            checkInputs(in);
            checkOutputs(out);
            return new DefaultBinding(this, in, out);
        } finally {
            guard.exit();
        }
    }

    @Override
    public Tensor allocate(String name, long... shape) {
        guard.ensureOpen();
        TensorInfo info = inputsByName.containsKey(name) ? inputsByName.get(name) : outputsByName.get(name);
        if (info == null) {
            throw new InvalidInputException("'" + name + "' is neither an input nor an output; inputs are " + inputs
                    + ", outputs are " + outputs);
        }
        Shape s = Shape.of(shape);
        if (!info.shape().accepts(s)) {
            throw new InvalidInputException(shapeMismatch("tensor", info, s));
        }
        return allocateHost(info, s);
    }

    /** Allocates host memory for {@link #allocate}; override to hand out page-locked memory. */
    protected Tensor allocateHost(TensorInfo info, Shape shape) {
        return Tensor.allocate(info.elementType(), shape.toArray());
    }

    @Override
    public final void close() {
        if (guard.close()) {
            release();
        }
    }

    /** Whether {@link #close()} has begun. */
    protected final boolean isClosed() {
        return guard.isClosed();
    }

    /** Runs on validated inputs and returns new outputs. Called inside the close guard. */
    protected abstract Outputs execute(Map<String, ? extends Tensor> inputs);

    /** Runs on validated inputs into the caller's validated outputs. Called inside the close guard. */
    protected abstract void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs);

    /** Frees native resources; called once, after every call in flight has returned. */
    protected abstract void release();

    /** Enters the close guard, for backend-specific entry points (their own bindings). Pair with {@link #exitCall()}. */
    protected final void enterCall() {
        guard.enter();
    }

    protected final void exitCall() {
        guard.exit();
    }

    // ---- validation -------------------------------------------------------------------------------

    /**
     * Checks a call's inputs against the model: every input present, no unknown name, open tensors
     * of the model's element type and a shape that fits its known dimensions, and equal sizes where
     * the model gives unknown dimensions one name.
     *
     * @throws InvalidInputException naming the first problem
     */
    protected final void checkInputs(Map<String, ? extends Tensor> in) {
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

    /** Checks the caller's output tensors: known names, element type and a fitting shape. */
    protected final void checkOutputs(Map<String, ? extends Tensor> out) {
        Objects.requireNonNull(out, "outputs");
        for (Map.Entry<String, ? extends Tensor> e : out.entrySet()) {
            TensorInfo info = outputsByName.get(e.getKey());
            if (info == null) {
                throw new InvalidInputException("unknown output '" + e.getKey() + "'; the model's outputs are " + outputs);
            }
            checkTensor("output", info, e.getValue());
        }
    }

    private static void checkTensor(String role, TensorInfo info, Tensor t) {
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

    private static String shapeMismatch(String role, TensorInfo info, Shape actual) {
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
}
