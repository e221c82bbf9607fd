package org.infer4j.ort.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.infer4j.Availability;
import org.infer4j.ModelLoadException;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.ort.OrtSettings;
import org.infer4j.spi.EngineConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ort-tensorrt}: ONNX Runtime's TensorRT execution provider, with the CUDA provider behind
 * it for nodes TensorRT cannot take. Engines and timing caches persist in
 * {@link OrtSettings#tensorRtCacheDirectory()}, so only the first build of a model pays TensorRT's
 * compile time.
 *
 * <p>INT8 engines take their tensors' scales from a TensorRT calibration table, by default the one the
 * {@code tensorrt} backend stored for the same model and {@code Int8Calibration} ({@link Int8Table}).
 *
 * <p>FP32 engines use TF32 tensor-core math (about 1e-3 relative error) unless the process
 * environment has {@code NVIDIA_TF32_OVERRIDE=0}: TensorRT sets TF32 by default and ONNX Runtime's
 * TensorRT provider has no option that clears it, while a JVM cannot change its own environment.
 * The first FP32 engine built without that variable logs a warning that says so.
 */
public final class OrtTensorRtProvider extends OrtProviderBase {
    private static final Logger log = LoggerFactory.getLogger(OrtTensorRtProvider.class);
    static final String TF32_WARNING = "ort-tensorrt builds FP32 engines with TF32 tensor-core math (about 1e-3 "
            + "relative error): ONNX Runtime's TensorRT provider has no option to turn it off. For FP32-accurate "
            + "results start the JVM with the environment variable NVIDIA_TF32_OVERRIDE=0, or use tensorrt or "
            + "ort-cuda, whose FP32 is FP32 (docs/conformance.md)";
    private static final AtomicBoolean tf32Warned = new AtomicBoolean();

    @Override
    public String name() {
        return "ort-tensorrt";
    }

    @Override
    public int priority() {
        return 900;
    }

    @Override
    public String description() {
        return "ONNX Runtime " + OrtNative.version() + ", TensorRT execution provider (CUDA behind it)";
    }

    @Override
    public Availability availability() {
        return OrtNative.tensorRt();
    }

    /**
     * FP32, FP16, and INT8 with a TensorRT calibration table ({@link Int8Table}); not FP8, for which the provider
     * has no option.
     */
    @Override
    boolean supports(Precision precision) {
        return precision != Precision.FP8;
    }

    @Override
    String refusal(Precision precision) {
        return "ort-tensorrt cannot run Precision." + precision + ": ONNX Runtime's TensorRT provider has no option that "
                + "enables it; the tensorrt backend runs FP8 models (FP8 QuantizeLinear/DequantizeLinear nodes)";
    }

    @Override
    void addExecutionProviders(OrtSession.SessionOptions options, EngineConfig config, OrtSettings settings)
            throws OrtException {
        Path cache = settings.tensorRtCacheDirectory();
        try {
            Files.createDirectories(cache);
        } catch (IOException e) {
            throw new ModelLoadException("cannot create the TensorRT cache directory " + cache
                    + "; set another with OrtSettings.builder().tensorRtCacheDirectory(...)", e);
        }
        if (usesTf32(config.precision(), System.getenv("NVIDIA_TF32_OVERRIDE")) && tf32Warned.compareAndSet(false, true)) {
            log.warn(TF32_WARNING);
        }
        Int8Table.Staged table = config.precision() == Precision.INT8
                ? Int8Table.stage(config, settings, defaultTensorRtCacheDirectory())
                : null;
        if (table != null) {
            log.info("ort-tensorrt runs {} in INT8 with the calibration table {}", config.modelName(), table.source());
        }
        OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(config.deviceIndex());
        try {
            for (Map.Entry<String, String> e : providerOptions(config, settings, table).entrySet()) {
                trt.add(e.getKey(), e.getValue());
            }
            options.addTensorrt(trt); // from here the session options own and close them
        } catch (OrtException | RuntimeException e) {
            trt.close();
            throw e;
        }
        OrtCudaProvider.addCuda(options, config);
    }

    private static final Pattern NO_SHAPE = Pattern.compile("TensorRT input: (\\S+) has no shape specified");

    /**
     * ONNX Runtime's TensorRT provider refuses a model in which its shape inference leaves a tensor
     * without a shape (the output of NonZero, NonMaxSuppression, or a ScatterND it cannot follow),
     * in C++ terms; this names the tensor and the ways out.
     */
    @Override
    String loadFailure(String modelName, String ortMessage) {
        Matcher m = NO_SHAPE.matcher(ortMessage);
        if (!m.find()) {
            return super.loadFailure(modelName, ortMessage);
        }
        return name() + " could not load " + modelName + ": ONNX Runtime's TensorRT provider needs the shape of every "
                + "tensor before it runs, and its shape inference gives none for '" + m.group(1) + "' (an output whose "
                + "shape depends on the data, such as NonZero's or NonMaxSuppression's, or one it cannot follow). Run "
                + "the model on ort-cuda, or give it shapes with ONNX Runtime's symbolic shape inference (python -m "
                + "onnxruntime.tools.symbolic_shape_infer --input IN.onnx --output OUT.onnx); the cause has ONNX "
                + "Runtime's message";
    }

    /**
     * Whether TensorRT will use TF32 in an engine of this precision: FP32 engines do unless
     * {@code NVIDIA_TF32_OVERRIDE} (its value given) is {@code 0}; FP16 engines keep FP16 layers.
     */
    static boolean usesTf32(Precision precision, @Nullable String tf32Override) {
        return precision == Precision.FP32 && !"0".equals(tf32Override);
    }

    /**
     * The TensorRT provider options for this engine, the user's {@code trt.} options last so they win. INT8
     * enables FP16 too, as the tensorrt backend does, so that layers without an INT8 implementation run in FP16
     * rather than FP32; its engines are cached beside their calibration table, the timing cache stays shared.
     *
     * @param config the engine's configuration
     * @param settings the ONNX Runtime settings
     * @param int8Table the staged calibration table for an INT8 engine, else null
     * @return the options by key
     */
    static Map<String, String> providerOptions(EngineConfig config, OrtSettings settings, Int8Table.@Nullable Staged int8Table) {
        Map<String, String> o = new java.util.LinkedHashMap<>();
        String cache = settings.tensorRtCacheDirectory().toString();
        o.put("trt_fp16_enable", config.precision() == Precision.FP32 ? "0" : "1");
        o.put("trt_engine_cache_enable", "1");
        o.put("trt_engine_cache_path", int8Table != null ? int8Table.directory().toString() : cache);
        if (int8Table != null) {
            o.put("trt_int8_enable", "1");
            o.put("trt_int8_calibration_table_name", Int8Table.FILE_NAME);
            o.put("trt_int8_use_native_calibration_table", "1");
        }
        o.put("trt_timing_cache_enable", "1");
        o.put("trt_timing_cache_path", cache);
        if (settings.tensorRtWorkspaceBytes() > 0) {
            o.put("trt_max_workspace_size", Long.toString(settings.tensorRtWorkspaceBytes()));
        }
        if (!config.shapeRanges().isEmpty()) {
            o.put("trt_profile_min_shapes", profile(config.shapeRanges(), ShapeRange::min));
            o.put("trt_profile_opt_shapes", profile(config.shapeRanges(), ShapeRange::optimal));
            o.put("trt_profile_max_shapes", profile(config.shapeRanges(), ShapeRange::max));
        }
        for (var e : config.options().entrySet()) {
            if (e.getKey().startsWith("trt.")) {
                o.put(e.getKey().substring("trt.".length()), e.getValue());
            }
        }
        return o;
    }

    /**
     * Where the tensorrt backend stores calibration tables unless told otherwise: {@code TensorRtSettings}'
     * default cache directory, {@code $XDG_CACHE_HOME/infer4j/tensorrt} or {@code ~/.cache/infer4j/tensorrt}.
     */
    static Path defaultTensorRtCacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("infer4j").resolve("tensorrt");
    }

    /** ONNX Runtime's profile syntax: {@code input_ids:1x32,attention_mask:1x32}. */
    static String profile(Map<String, ShapeRange> ranges, Function<ShapeRange, Shape> pick) {
        return ranges.entrySet().stream().map(e -> e.getKey() + ":" + java.util.Arrays.stream(pick.apply(e.getValue()).toArray())
                .mapToObj(Long::toString).collect(Collectors.joining("x"))).collect(Collectors.joining(","));
    }

    @Override
    Set<String> optionPrefixes() {
        return Set.of("session.", "cuda.", "trt.");
    }
}
