package org.infer4j.ort.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.infer4j.Binding;
import org.infer4j.ElementType;
import org.infer4j.EngineStats;
import org.infer4j.InferenceException;
import org.infer4j.InvalidInputException;
import org.infer4j.ModelLoadException;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.spi.AbstractInferenceEngine;
import org.infer4j.spi.AsyncRequest;
import org.infer4j.spi.EngineConfig;

/**
 * An engine over one {@link OrtSession}. ONNX Runtime sessions accept concurrent runs, so calls
 * from many threads go straight through; inputs are handed over as views of their direct buffers
 * (no copy), and {@link #run(Map, Map)} and bindings let ONNX Runtime write into the caller's
 * output memory.
 *
 * <p>An output tensor given beforehand must have the shape the run produces, which for some models
 * follows the input values (NonZero's output, say), else the run throws
 * {@link InvalidInputException} naming the output and both shapes.
 */
final class OrtEngine extends AbstractInferenceEngine {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final EngineStats stats;
    private final String modelName;

    private OrtEngine(String backend, String modelName, List<TensorInfo> inputs, List<TensorInfo> outputs, OrtSession session,
                      List<String> notes, int maxInFlight) {
        super(backend, modelName, inputs, outputs, maxInFlight);
        this.modelName = modelName;
        this.env = OrtNative.environment();
        this.session = session;
        this.stats = new EngineStats(Map.of(), notes);
    }

    /** Takes ownership of {@code session}: closes it if the model cannot be served. */
    static OrtEngine create(String backend, EngineConfig config, OrtSession session, List<String> notes) {
        try {
            List<TensorInfo> inputs = describe(config, "input", session.getInputInfo());
            List<TensorInfo> outputs = describe(config, "output", session.getOutputInfo());
            config.requireShapeRangesFit(inputs);
            return new OrtEngine(backend, config.modelName(), inputs, outputs, session, notes, config.maxInFlight());
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session, e);
            if (e instanceof OrtException) {
                throw new ModelLoadException("cannot read the inputs and outputs of " + config.modelName() + ": " + e.getMessage(), e);
            }
            throw (RuntimeException) e;
        }
    }

    private static List<TensorInfo> describe(EngineConfig config, String role, Map<String, NodeInfo> nodes) {
        List<TensorInfo> infos = new ArrayList<>();
        for (NodeInfo node : nodes.values()) {
            TensorInfo info = node.getInfo() instanceof ai.onnxruntime.TensorInfo t ? OrtTypes.tensorInfo(node.getName(), t) : null;
            if (info == null) {
                throw new ModelLoadException(role + " '" + node.getName() + "' of " + config.modelName() + " is " + node.getInfo()
                        + "; infer4j carries tensors of FLOAT32, FLOAT16, BFLOAT16, INT8, UINT8, INT32, INT64 and BOOL");
            }
            infos.add(info);
        }
        return infos;
    }

    @Override
    public EngineStats stats() {
        return stats;
    }

    @Override
    protected Outputs execute(Map<String, ? extends Tensor> inputs) {
        return Outputs.of(runAllocating(inputs));
    }

    /** Runs letting ONNX Runtime allocate the outputs, copied into new tensors the caller owns. */
    Map<String, Tensor> runAllocating(Map<String, ? extends Tensor> inputs) {
        Map<String, OnnxTensor> views = views(inputs);
        try (OrtSession.Result result = session.run(views)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, OnnxValue> e : result) {
                    out.put(e.getKey(), OrtTypes.copyOf((OnnxTensor) e.getValue()));
                }
            } catch (RuntimeException e) {
                out.values().forEach(Tensor::close);
                throw e;
            }
            return out;
        } catch (OrtException e) {
            throw runFailure(e, views);
        } finally {
            views.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        Map<String, OnnxTensor> in = views(inputs);
        try {
            Map<String, OnnxTensor> out = views(outputs);
            try {
                runPinned(in, out, new Produced() {
                    @Override
                    public void reshaped(Map<String, Shape> changed) {
                        Map.Entry<String, Shape> first = changed.entrySet().iterator().next();
                        // only the caller's outputs are pinned here, so it has one
                        Tensor given = Objects.requireNonNull(outputs.get(first.getKey()));
                        throw reshapedOutput(first.getKey(), first.getValue(), given.shape());
                    }

                    @Override
                    public void accept(String name, OnnxTensor value) {
                        Tensor target = outputs.get(name);
                        if (target != null) {
                            copyProduced(name, value, target);
                        }
                    }
                });
            } finally {
                out.values().forEach(OnnxTensor::close);
            }
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    /** What {@link #runPinned} hands over besides the outputs ONNX Runtime wrote in place. */
    interface Produced {
        /**
         * Called, before any output is handed over, when this run gives pinned outputs another
         * shape than their views have: their names and the shapes the run produced. Throwing fails
         * the run.
         */
        void reshaped(Map<String, Shape> changed);

        /** An output ONNX Runtime allocated; {@code value} is valid only during this call. */
        void accept(String name, OnnxTensor value);
    }

    /**
     * Runs writing the outputs into the pinned views in place, and hands every other output, which
     * ONNX Runtime allocated, to {@code produced}.
     *
     * <p>ONNX Runtime refuses the run if a pinned view does not have the shape the run produces.
     * When the run fails and something is pinned, it runs once more letting ONNX Runtime allocate
     * every output: if some pinned outputs came out in another shape, {@code produced} is told
     * which ({@link Produced#reshaped}) and then given every output, the pinned ones included;
     * otherwise the first failure is thrown.
     *
     * @throws InferenceException if ONNX Runtime refuses the run: an {@link InvalidInputException}
     *         where it calls an argument invalid, or where {@code produced} throws one
     */
    void runPinned(Map<String, OnnxTensor> in, Map<String, OnnxTensor> pinned, Produced produced) {
        Set<String> unpinned = session.getOutputNames();
        if (pinned.size() != unpinned.size()) {
            unpinned = new LinkedHashSet<>(unpinned);
            unpinned.removeAll(pinned.keySet());
        } else {
            unpinned = Set.of();
        }
        OrtSession.Result result;
        try {
            result = session.run(in, unpinned, pinned);
        } catch (OrtException failure) {
            if (pinned.isEmpty()) {
                throw runFailure(failure, in);
            }
            rerunAllocating(in, pinned, failure, produced);
            return;
        }
        try (result) {
            for (Map.Entry<String, OnnxValue> e : result) {
                if (!pinned.containsKey(e.getKey())) {
                    produced.accept(e.getKey(), (OnnxTensor) e.getValue());
                }
            }
        }
    }

    /** Repeats a failed pinned run letting ONNX Runtime allocate every output, to see which changed shape. */
    private void rerunAllocating(Map<String, OnnxTensor> in, Map<String, OnnxTensor> pinned, OrtException failure,
                                 Produced produced) {
        OrtSession.Result result;
        try {
            result = session.run(in);
        } catch (OrtException again) {
            InferenceException thrown = runFailure(failure, in);
            thrown.addSuppressed(again);
            throw thrown;
        }
        try (result) {
            Map<String, Shape> changed = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : result) {
                OnnxTensor view = pinned.get(e.getKey());
                Shape shape = Shape.of(((OnnxTensor) e.getValue()).getInfo().getShape());
                if (view != null && !shape.equals(Shape.of(view.getInfo().getShape()))) {
                    changed.put(e.getKey(), shape);
                }
            }
            if (changed.isEmpty()) {
                throw runFailure(failure, in);
            }
            produced.reshaped(Collections.unmodifiableMap(changed));
            for (Map.Entry<String, OnnxValue> e : result) {
                produced.accept(e.getKey(), (OnnxTensor) e.getValue());
            }
        }
    }

    /**
     * Copies an output ONNX Runtime allocated into {@code target}, which must have its shape.
     *
     * @throws InvalidInputException naming the output and both shapes if they differ
     */
    static void copyProduced(String name, OnnxTensor value, Tensor target) {
        Shape produced = Shape.of(value.getInfo().getShape());
        if (!produced.equals(target.shape())) {
            throw reshapedOutput(name, produced, target.shape());
        }
        target.buffer().put(value.getByteBuffer());
    }

    /** The failure of a run that produced output {@code name} in another shape than the caller's tensor for it has. */
    static InvalidInputException reshapedOutput(String name, Shape produced, Shape given) {
        return new InvalidInputException("output '" + name + "' of this run has shape " + produced + " but the tensor "
                + "given for it has shape " + given + "; its shape depends on the input values, so give a tensor of the "
                + "shape each run produces, or leave the output out and read it from run(inputs) or from the binding, "
                + "which allocate it");
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        enterCall();
        try {
            checkInputs(inputs);
            checkOutputs(outputs);
            return new OrtBinding(this, inputs, outputs);
        } finally {
            exitCall();
        }
    }

    Map<String, OnnxTensor> views(Map<String, ? extends Tensor> tensors) {
        Map<String, OnnxTensor> views = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, ? extends Tensor> e : tensors.entrySet()) {
                views.put(e.getKey(), OrtTypes.view(env, e.getValue()));
            }
        } catch (RuntimeException e) {
            views.values().forEach(OnnxTensor::close);
            throw e;
        }
        return views;
    }

    /** Used by bindings for their asynchronous runs: {@code run} on a worker thread, inside the close guard. */
    AsyncRequest<Void> later(Runnable run) {
        return runLater(run);
    }

    /** Used by bindings, which check their own state, to run inside the engine's close guard. */
    void guarded(Runnable call) {
        enterCall();
        try {
            call.run();
        } finally {
            exitCall();
        }
    }

    /**
     * ONNX Runtime's failure to run, as infer4j's exception: an {@link InvalidInputException}
     * naming the inputs when ONNX Runtime blames them (an invalid argument, or a shape, dimension,
     * broadcast or index problem in some node, which only shows when a node runs, such as a sequence
     * longer than a position table), else an {@link InferenceException}. The message is ONNX
     * Runtime's, on one line and without its source locations.
     */
    private InferenceException runFailure(OrtException e, Map<String, OnnxTensor> inputs) {
        String ortMessage = oneLine(String.valueOf(e.getMessage()));
        if (isInputProblem(e.getCode(), ortMessage)) {
            return new InvalidInputException(backend() + " cannot run " + modelName + " on the inputs " + describe(inputs)
                    + ": " + ortMessage + ". Check the inputs' shapes and values against the model (" + inputs() + ")", e);
        }
        return new InferenceException(backend() + " failed to run " + modelName + ": " + ortMessage, e);
    }

    private static final Pattern INPUT_PROBLEM = Pattern.compile(
            "(?i)\\b(shape|dimensions?|dims?|broadcast|rank|out of (data )?bounds|invalid (input|argument)|unexpected input data type)\\b");

    static boolean isInputProblem(OrtException.OrtErrorCode code, String message) {
        return code == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT || INPUT_PROBLEM.matcher(message).find();
    }

    private static final Pattern ERROR_CODE = Pattern.compile("^Error code - ORT_\\w+ - message: ");
    private static final Pattern NODE = Pattern.compile(
            "Non-zero status code returned while running (\\S+) node\\. Name:'([^']*)' Status Message: ");
    private static final Pattern SOURCE_LOCATION = Pattern.compile(
            "\\S+\\.(?:cc|cpp|cu|h):\\d+ (?:[^(]*\\([^)]*\\)(?: const)? )?(?:[^.]* was false\\. )?");

    /**
     * ONNX Runtime's message on one line: without the error-code prefix (the code is in the cause),
     * its C++ source locations and failed-assertion text, and with a node named as {@code Add node '/Add'}.
     */
    static String oneLine(String ortMessage) {
        String s = ortMessage.strip().replaceAll("\\s+", " ");
        s = ERROR_CODE.matcher(s).replaceFirst("");
        s = NODE.matcher(s).replaceAll("$1 node '$2': ");
        s = SOURCE_LOCATION.matcher(s).replaceAll("");
        return s.strip();
    }

    /** Like {@code input_ids INT64[1, 8], attention_mask INT64[1, 7]}, in the model's order. */
    private String describe(Map<String, OnnxTensor> inputs) {
        StringBuilder sb = new StringBuilder();
        for (TensorInfo model : inputs()) {
            OnnxTensor view = inputs.get(model.name());
            if (view != null) {
                ai.onnxruntime.TensorInfo info = view.getInfo();
                ElementType type = OrtTypes.elementType(info.type);
                sb.append(sb.length() == 0 ? "" : ", ").append(model.name()).append(' ')
                        .append(type != null ? type : info.type).append(Shape.of(info.getShape()));
            }
        }
        return sb.toString();
    }

    @Override
    protected void release() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new InferenceException("ONNX Runtime failed to close the session of " + backend() + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(OrtSession session, Exception primary) {
        try {
            session.close();
        } catch (OrtException | RuntimeException suppressed) {
            primary.addSuppressed(suppressed);
        }
    }
}
