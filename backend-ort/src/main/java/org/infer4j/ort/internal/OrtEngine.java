package org.infer4j.ort.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.infer4j.Binding;
import org.infer4j.EngineStats;
import org.infer4j.InferenceException;
import org.infer4j.InvalidInputException;
import org.infer4j.ModelLoadException;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.spi.AbstractInferenceEngine;
import org.infer4j.spi.EngineConfig;

/**
 * An engine over one {@link OrtSession}. ONNX Runtime sessions accept concurrent runs, so calls
 * from many threads go straight through; inputs are handed over as views of their direct buffers
 * (no copy), and {@link #run(Map, Map)} and bindings let ONNX Runtime write into the caller's
 * output memory.
 */
final class OrtEngine extends AbstractInferenceEngine {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final EngineStats stats;

    private OrtEngine(String backend, String modelName, List<TensorInfo> inputs, List<TensorInfo> outputs, OrtSession session,
                      List<String> notes) {
        super(backend, modelName, inputs, outputs);
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
            return new OrtEngine(backend, config.modelName(), inputs, outputs, session, notes);
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
            throw runFailure(e);
        } finally {
            views.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        Map<String, OnnxTensor> in = views(inputs);
        Map<String, OnnxTensor> out = views(outputs);
        try {
            runPinned(in, out);
        } finally {
            in.values().forEach(OnnxTensor::close);
            out.values().forEach(OnnxTensor::close);
        }
    }

    /** Runs writing the outputs into the pinned views; outputs not pinned are computed and dropped. */
    void runPinned(Map<String, OnnxTensor> in, Map<String, OnnxTensor> pinned) {
        Set<String> unpinned = session.getOutputNames();
        if (pinned.size() != unpinned.size()) {
            unpinned = new HashSet<>(unpinned);
            unpinned.removeAll(pinned.keySet());
        } else {
            unpinned = Set.of();
        }
        try (OrtSession.Result ignored = session.run(in, unpinned, pinned)) {
            // pinned outputs were written in place; the result owns only the unpinned ones
        } catch (OrtException e) {
            throw runFailure(e);
        }
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

    /** Used by bindings, which check their own state, to run inside the engine's close guard. */
    void guarded(Runnable call) {
        enterCall();
        try {
            call.run();
        } finally {
            exitCall();
        }
    }

    private InferenceException runFailure(OrtException e) {
        String message = backend() + " failed to run: " + e.getMessage();
        // ONNX Runtime reports shape problems our checks cannot see (e.g. a reshape of a wrong batch) as invalid arguments
        return e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT
                ? new InvalidInputException(message, e)
                : new InferenceException(message, e);
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
