package org.infer4j.ort.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.List;
import java.util.Set;
import org.infer4j.InferenceEngine;
import org.infer4j.ModelLoadException;
import org.infer4j.Precision;
import org.infer4j.UnsupportedPrecisionException;
import org.infer4j.ort.OrtSettings;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the three ONNX Runtime providers share: session options, escape-hatch options, and session creation. */
abstract class OrtProviderBase implements BackendProvider {
    private static final Logger log = LoggerFactory.getLogger(OrtProviderBase.class);
    /** Adds this provider's execution providers to the options. */
    abstract void addExecutionProviders(OrtSession.SessionOptions options, EngineConfig config, OrtSettings settings)
            throws OrtException;

    /** The option prefixes this provider accepts, of {@code session.}, {@code cuda.}, {@code trt.}. */
    abstract Set<String> optionPrefixes();

    /** Whether the provider runs on CUDA. */
    boolean supportsCuda() {
        return true;
    }

    /**
     * Whether the provider can run a model in {@code precision}: the CPU and CUDA providers run a model in the
     * precision it was exported in, which is what FP32 asks for.
     */
    boolean supports(Precision precision) {
        return precision == Precision.FP32;
    }

    /** Why this provider cannot run {@code precision}, and what can. */
    String refusal(Precision precision) {
        return name() + " runs a model in the precision it was exported in, so Precision." + precision + " does not apply; "
                + switch (precision) {
                    case INT8 -> "use tensorrt or ort-tensorrt with an Int8Calibration, or quantize the model (QuantizeLinear "
                            + "and DequantizeLinear nodes) and run it with Precision.FP32";
                    case FP8 -> "only the tensorrt backend runs FP8 (a model with FP8 QuantizeLinear/DequantizeLinear nodes)";
                    default -> "use ort-tensorrt or tensorrt for " + precision + ", or export an " + precision
                            + " model and run it with FP32";
                };
    }

    @Override
    public InferenceEngine create(EngineConfig config) {
        OrtSettings settings = config.settings(OrtSettings.class).orElseGet(OrtSettings::defaults);
        if (!supports(config.precision())) {
            throw new UnsupportedPrecisionException(refusal(config.precision()));
        }
        checkOptionKeys(config);
        try (OrtSession.SessionOptions options = OrtNative.sessionOptions()) {
            if (settings.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(settings.intraOpThreads());
            }
            if (settings.interOpThreads() > 0) {
                options.setInterOpNumThreads(settings.interOpThreads());
            }
            options.setOptimizationLevel(switch (settings.graphOptimization()) {
                case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
                case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
                case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
                case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            });
            for (var e : config.options().entrySet()) {
                if (e.getKey().startsWith("session.")) {
                    options.addConfigEntry(e.getKey().substring("session.".length()), e.getValue());
                }
            }
            addExecutionProviders(options, config, settings);
            OrtSession session = config.modelPath().isPresent()
                    ? OrtNative.environment().createSession(config.modelPath().get().toString(), options)
                    : OrtNative.environment().createSession(config.modelBytes(), options);
            return OrtEngine.create(name(), config, session, notes(config));
        } catch (OrtException e) {
            throw new ModelLoadException(loadFailure(config.modelName(), String.valueOf(e.getMessage())), e);
        }
    }

    /**
     * The message of a {@link ModelLoadException} for a session ONNX Runtime refused to create; the
     * exception's cause keeps ONNX Runtime's own text. A provider that recognises one of its
     * execution provider's refusals says what it means and what to do instead.
     *
     * @param modelName the model, as the engine names it
     * @param ortMessage ONNX Runtime's message
     * @return the message for the user
     */
    String loadFailure(String modelName, String ortMessage) {
        return name() + " could not load " + modelName + ": " + ortMessage;
    }

    /**
     * ONNX Runtime replays its CUDA graphs against the device addresses of the capture run, which
     * only its IoBinding API lets a caller fix; the Java API has none, so a graph-enabled session
     * fed from Java does not answer later inputs correctly (OrtCudaGraphTest shows it on the GPU).
     * So the switch is reported, not applied.
     */
    private List<String> notes(EngineConfig config) {
        if (!config.cudaGraphs()) {
            return List.of();
        }
        String note = name() + " runs without CUDA graphs: " + (supportsCuda()
                ? "ONNX Runtime's CUDA-graph mode needs IoBinding with fixed device buffers, which ONNX Runtime's Java API "
                        + "does not offer"
                : "it does not run on CUDA") + "; use the tensorrt backend with backend-cuda-graphs for graph replay";
        log.warn(note);
        return List.of(note);
    }

    private void checkOptionKeys(EngineConfig config) {
        for (String key : config.options().keySet()) {
            boolean known = optionPrefixes().stream().anyMatch(p -> key.startsWith(p) && key.length() > p.length());
            if (!known) {
                throw new IllegalArgumentException("backend " + name() + " has no option '" + key + "'; its options are "
                        + optionPrefixes().stream().sorted().map(p -> p + "<key>").toList()
                        + " (session config entries and execution provider options of ONNX Runtime "
                        + OrtNative.version() + ")");
            }
        }
    }

    /** Copies {@code prefix}-keyed escape-hatch options into provider options. */
    static void addPrefixed(EngineConfig config, String prefix, ProviderOptionSink sink) throws OrtException {
        for (var e : config.options().entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                sink.add(e.getKey().substring(prefix.length()), e.getValue());
            }
        }
    }

    @FunctionalInterface
    interface ProviderOptionSink {
        void add(String key, String value) throws OrtException;
    }
}
