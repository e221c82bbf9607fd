package org.infer4j.tensorrt.internal.build;

import static org.bytedeco.tensorrt.global.nvinfer.createInferBuilder;
import static org.bytedeco.tensorrt.global.nvonnxparser.createParser;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorrt.global.nvinfer.BuilderFlag;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.global.nvinfer.LayerType;
import org.bytedeco.tensorrt.global.nvinfer.MemoryPoolType;
import org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILayer;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;
import org.infer4j.Int8Calibration;
import org.infer4j.InvalidInputException;
import org.infer4j.ModelLoadException;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.UnsupportedPrecisionException;
import org.infer4j.tensorrt.BuildListener;
import org.infer4j.tensorrt.TensorRtSettings;
import org.infer4j.tensorrt.internal.nativeinterop.NativeDelete;
import org.infer4j.tensorrt.internal.nativeinterop.TrtLogger;
import org.infer4j.tensorrt.internal.onnx.ParserRewrite;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles an ONNX model into a serialised TensorRT engine: the ONNX parser (every error with its
 * node) on the model as {@link ParserRewrite} rewrites it,
 * the builder configuration (precision, TF32, workspace, optimisation level, one profile), INT8
 * calibration ({@link EntropyCalibrator}) and layers kept in FP32, the timing cache, and progress
 * reports while it runs. Stateless.
 */
public final class EngineCompiler {
    private static final Logger log = LoggerFactory.getLogger(EngineCompiler.class);
    private static final Duration HEARTBEAT = Duration.ofSeconds(10);

    private EngineCompiler() {
    }

    /**
     * Builds the engine, with the timing cache of {@code cache} where the settings ask for one.
     *
     * @param model the ONNX model's bytes
     * @param modelFile the model's file when it has one (the parser then resolves external weights beside it)
     * @param modelName the model's name, for log lines, progress reports and exception messages
     * @param plan the optimisation profile
     * @param precision the precision to build for
     * @param settings the build settings (TF32, workspace, optimisation level, timing cache, listener)
     * @param cache where the timing cache is read and stored
     * @param key the engine's cache key, which names its timing cache
     * @param int8 for an INT8 build, its calibration and table; else null
     * @param inputs the model's inputs, against which calibration batches are checked
     * @param device the CUDA device, where calibration batches are staged
     * @return the serialised engine, and what calibration did
     * @throws ModelLoadException naming the failing ONNX nodes or TensorRT's build errors, or if the JVM is shutting down
     * @throws InvalidInputException if calibration batches or the layers to keep in FP32 do not fit the model
     * @throws UnsupportedPrecisionException for INT8 without calibration or FP8 without quantize/dequantize nodes
     */
    public static Compiled compile(byte[] model, @Nullable Path modelFile, String modelName, ProfilePlan plan,
                                   Precision precision, TensorRtSettings settings, EngineCache cache, EngineCacheKey key,
                                   @Nullable Int8Plan int8, List<TensorInfo> inputs, int device) {
        // counted until every native object of the build is freed: the JVM's exit waits for it
        try (BuildsInFlight.Ticket building = BuildsInFlight.process().enter(modelName)) {
            return build(model, modelFile, modelName, plan, precision, settings, cache, key, int8, inputs, device);
        }
    }

    private static Compiled build(byte[] model, @Nullable Path modelFile, String modelName, ProfilePlan plan,
                                  Precision precision, TensorRtSettings settings, EngineCache cache, EngineCacheKey key,
                                  @Nullable Int8Plan int8, List<TensorInfo> inputs, int device) {
        long start = System.nanoTime();
        BuildListener listener = settings.buildListener();
        IBuilder builder = null;
        INetworkDefinition network = null;
        IParser parser = null;
        IBuilderConfig config = null;
        ITimingCache timingCache = null;
        IHostMemory serialized = null;
        BytePointer modelBytes = null;
        ScheduledExecutorService heartbeat = null;
        EntropyCalibrator calibrator = null;
        try (TrtLogger.Capture capture = TrtLogger.INSTANCE.capture(line -> report(listener, modelName, start, line))) {
            builder = createInferBuilder(TrtLogger.INSTANCE);
            if (builder == null || builder.isNull()) {
                throw new ModelLoadException("TensorRT could not create a builder for " + modelName + capture.errors());
            }
            network = builder.createNetworkV2(0);
            parser = createParser(network, TrtLogger.INSTANCE);
            boolean parsed;
            ParserRewrite.Rewritten rewritten = ParserRewrite.forParser(model, modelName).orElse(null);
            if (rewritten != null) {
                modelBytes = rewritten.toNative();
                parsed = modelFile != null
                        ? parser.parse(modelBytes, rewritten.size(), modelFile.toAbsolutePath().toString())
                        : parser.parse(modelBytes, rewritten.size());
            } else if (modelFile != null) {
                parsed = parser.parseFromFile(modelFile.toAbsolutePath().toString(), ILogger.Severity.kWARNING.value);
            } else {
                modelBytes = new BytePointer(model);
                parsed = parser.parse(modelBytes, model.length);
            }
            if (!parsed) {
                throw new ModelLoadException("TensorRT's ONNX parser rejected " + modelName + ":" + parserErrors(parser)
                        + capture.errors() + ". Check the model with onnx.checker.check_model and TensorRT's operator "
                        + "support (https://github.com/onnx/onnx-tensorrt/blob/main/docs/operators.md); ort-cuda runs "
                        + "models TensorRT cannot");
            }

            config = builder.createBuilderConfig();
            if (precision != Precision.FP32) {
                // INT8 and FP8 fall back to FP16, not FP32, where a layer has no 8-bit implementation
                config.setFlag(BuilderFlag.kFP16);
            }
            if (precision == Precision.FP8) {
                requireQuantizeNodes(network, modelName, "FP8");
                config.setFlag(BuilderFlag.kFP8);
            }
            if (!settings.tf32()) {
                config.clearFlag(BuilderFlag.kTF32);
            }
            if (settings.workspaceBytes() > 0) {
                config.setMemoryPoolLimit(MemoryPoolType.kWORKSPACE, settings.workspaceBytes());
            }
            config.setBuilderOptimizationLevel(settings.optimizationLevel());
            IOptimizationProfile profile = builder.createOptimizationProfile(); // owned by the builder
            for (int i = 0; i < network.getNbInputs(); i++) {
                String name = network.getInput(i).getName();
                ShapeRange r = plan.range(name);
                if (!profile.setDimensions(name, OptProfileSelector.kMIN, dims(r.min()))
                        || !profile.setDimensions(name, OptProfileSelector.kOPT, dims(r.optimal()))
                        || !profile.setDimensions(name, OptProfileSelector.kMAX, dims(r.max()))) {
                    throw new ModelLoadException("TensorRT refused the shape range " + r + " for input '" + name + "' of "
                            + modelName + capture.errors());
                }
            }
            if (config.addOptimizationProfile(profile) < 0) {
                throw new ModelLoadException("TensorRT refused the optimisation profile " + plan.ranges() + " of " + modelName
                        + capture.errors() + "; give shape ranges with EngineBuilder.shapeRange");
            }
            if (precision == Precision.INT8) {
                config.setFlag(BuilderFlag.kINT8);
                Int8Plan int8Plan = Objects.requireNonNull(int8, "an INT8 build has an Int8Plan");
                calibrator = int8Plan.calibration() != null
                        ? calibrator(builder, config, network, int8Plan, inputs, modelName, device, capture)
                        : null;
                if (calibrator == null) {
                    requireQuantizeNodes(network, modelName, "INT8");
                }
                keepFp32(network, config, int8Plan.fp32Layers(), modelName);
            }
            if (settings.timingCache()) {
                timingCache = loadTimingCache(config, cache, key);
            }

            heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "infer4j-tensorrt-build-progress");
                t.setDaemon(true);
                return t;
            });
            heartbeat.scheduleAtFixedRate(() -> report(listener, modelName, start, "building"),
                    HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
            log.info("building a TensorRT engine for {} ({}); this takes seconds to minutes, later starts use the cache",
                    modelName, key.describe());
            serialized = builder.buildSerializedNetwork(network, config);
            heartbeat.shutdownNow();
            if (calibrator != null && calibrator.failure() != null) {
                throw Objects.requireNonNull(calibrator.failure());
            }
            if (serialized == null || serialized.isNull() || serialized.size() == 0) {
                throw new ModelLoadException("TensorRT could not build an engine for " + modelName + capture.errors()
                        + "; try a larger workspace (TensorRtSettings.workspaceBytes), FP32, or smaller shape ranges");
            }
            byte[] engine = new byte[Math.toIntExact(serialized.size())];
            new BytePointer(serialized.data()).capacity(engine.length).get(engine);
            if (timingCache != null) {
                saveTimingCache(config, cache, key);
            }
            log.info("built the TensorRT engine for {} in {} s ({} bytes)", modelName,
                    String.format("%.1f", (System.nanoTime() - start) / 1e9), engine.length);
            return calibrator == null ? new Compiled(engine, null, 0)
                    : new Compiled(engine, calibrator.writtenTable(), calibrator.batchesRead());
        } finally {
            if (heartbeat != null) {
                heartbeat.shutdownNow();
            }
            NativeDelete.delete(serialized);
            // the config holds the timing cache (setTimingCache does not take ownership): config first,
            // so that it never points at a deleted cache; config.getTimingCache() is that same object,
            // only wrapped anew, and is never deleted on its own
            NativeDelete.delete(config);
            NativeDelete.delete(timingCache);
            // after the config that points at it: closing it here also keeps it reachable until the build is over
            if (calibrator != null) {
                calibrator.close();
            }
            // the parser cannot be deleted through JavaCPP 1.5.11 (see NativeDelete): it holds the model's
            // weights, so a cold build leaks about the model's size of host memory, once per build
            NativeDelete.delete(network);
            NativeDelete.delete(builder);
            if (modelBytes != null) {
                modelBytes.close();
            }
        }
    }

    /**
     * A serialised engine and what its build's calibration did.
     *
     * @param engine the serialised engine
     * @param writtenTable the calibration table TensorRT wrote, or null if it calibrated nothing (no calibration,
     *                     or a stored table used)
     * @param calibrationBatches how many calibration batches TensorRT read: 0 when it used a stored table
     */
    public record Compiled(byte[] engine, byte @Nullable [] writtenTable, int calibrationBatches) {
    }

    /**
     * The entropy calibrator for an INT8 build, set on {@code config} with a calibration profile of the first
     * batch's shapes, which every batch has.
     */
    private static EntropyCalibrator calibrator(IBuilder builder, IBuilderConfig config, INetworkDefinition network,
                                                Int8Plan int8, List<TensorInfo> inputs, String modelName, int device,
                                                TrtLogger.Capture capture) {
        Int8Calibration calibration = Objects.requireNonNull(int8.calibration());
        CalibrationBatches checks = new CalibrationBatches(inputs, modelName);
        Iterator<? extends Map<String, ? extends Tensor>> first = calibration.batches().iterator();
        if (!first.hasNext()) {
            throw new InvalidInputException("the INT8 calibration of " + modelName + " has no batches; give at least one "
                    + "batch of representative inputs");
        }
        Map<String, Shape> shapes = checks.shapesOfFirst(first.next());
        IOptimizationProfile calibrationProfile = builder.createOptimizationProfile(); // owned by the builder
        for (int i = 0; i < network.getNbInputs(); i++) {
            String name = network.getInput(i).getName();
            Dims64 d = dims(Objects.requireNonNull(shapes.get(name), name));
            if (!calibrationProfile.setDimensions(name, OptProfileSelector.kMIN, d)
                    || !calibrationProfile.setDimensions(name, OptProfileSelector.kOPT, d)
                    || !calibrationProfile.setDimensions(name, OptProfileSelector.kMAX, d)
                    || !config.setCalibrationProfile(calibrationProfile)) {
                throw new InvalidInputException("TensorRT refused the INT8 calibration shape " + shapes.get(name)
                        + " for input '" + name + "' of " + modelName + capture.errors());
            }
        }
        EntropyCalibrator calibrator = new EntropyCalibrator(calibration.batches(), checks, shapes, device,
                int8.table());
        config.setInt8Calibrator(calibrator);
        log.info("INT8 build of {}: {}", modelName, int8.table() != null
                ? "scales from the stored calibration table " + int8.tableName()
                : "calibrating on " + calibration + " at " + shapes);
        return calibrator;
    }

    /** INT8 without calibration and FP8 need the model's own quantize/dequantize nodes to carry the scales. */
    private static void requireQuantizeNodes(INetworkDefinition network, String modelName, String precision) {
        for (int i = 0; i < network.getNbLayers(); i++) {
            LayerType type = network.getLayer(i).getType().intern(); // JavaCPP enums compare by identity once interned
            if (type == LayerType.kQUANTIZE || type == LayerType.kDEQUANTIZE) {
                return;
            }
        }
        throw new UnsupportedPrecisionException(modelName + " has no QuantizeLinear/DequantizeLinear nodes, so Precision."
                + precision + " has no scales to run with: " + ("INT8".equals(precision)
                ? "give representative inputs with EngineBuilder.int8Calibration, or quantize the model before export"
                : "insert FP8 quantize/dequantize pairs first (scripts/fp8_qdq.py, docs/precision.md)"));
    }

    /**
     * Makes the layers that {@code names} pick run in FP32 and write FP32 (where their outputs are floating
     * point), and has TensorRT obey that.
     */
    private static void keepFp32(INetworkDefinition network, IBuilderConfig config, Set<String> names, String modelName) {
        if (names.isEmpty()) {
            return;
        }
        List<Fp32Layers.Layer> layers = new ArrayList<>();
        for (int i = 0; i < network.getNbLayers(); i++) {
            ILayer layer = network.getLayer(i);
            List<String> outputs = new ArrayList<>();
            for (int o = 0; o < layer.getNbOutputs(); o++) {
                outputs.add(layer.getOutput(o).getName());
            }
            layers.add(new Fp32Layers.Layer(layer.getName(), outputs));
        }
        for (int index : Fp32Layers.pick(layers, names, modelName)) {
            ILayer layer = network.getLayer(index);
            layer.setPrecision(DataType.kFLOAT);
            for (int o = 0; o < layer.getNbOutputs(); o++) {
                DataType type = layer.getOutput(o).getType().intern();
                if (type == DataType.kFLOAT || type == DataType.kHALF || type == DataType.kINT8) {
                    layer.setOutputType(o, DataType.kFLOAT);
                }
            }
        }
        config.setFlag(BuilderFlag.kOBEY_PRECISION_CONSTRAINTS);
    }

    /**
     * The stored timing cache, or a new empty one where there is none or TensorRT refused it (the
     * file is then deleted); null if TensorRT cannot make or use one, and the build goes without.
     */
    private static @Nullable ITimingCache loadTimingCache(IBuilderConfig config, EngineCache cache, EngineCacheKey key) {
        ITimingCache timing = cache.open(key.timingCacheName(), blob -> createTimingCache(config, blob))
                .orElseGet(() -> createTimingCache(config, null));
        if (timing == null) {
            log.warn("TensorRT could not create a timing cache; building without one");
            return null;
        }
        if (!config.setTimingCache(timing, false)) {
            log.warn("TensorRT refused the timing cache {} (another TensorRT version?); deleting it",
                    cache.fileOf(key.timingCacheName()));
            cache.delete(key.timingCacheName());
            NativeDelete.delete(timing);
            return null;
        }
        return timing;
    }

    /** A timing cache of {@code blob}'s contents, or an empty one for null; null if TensorRT refuses. */
    private static @Nullable ITimingCache createTimingCache(IBuilderConfig config, byte @Nullable [] blob) {
        ITimingCache timing;
        if (blob == null) {
            timing = config.createTimingCache(null, 0);
        } else {
            try (BytePointer bytes = new BytePointer(blob)) {
                timing = config.createTimingCache(bytes, blob.length);
            }
        }
        return timing == null || timing.isNull() ? null : timing;
    }

    private static void saveTimingCache(IBuilderConfig config, EngineCache cache, EngineCacheKey key) {
        ITimingCache updated = config.getTimingCache(); // the config's own, not to be deleted here
        if (updated == null || updated.isNull()) {
            return;
        }
        IHostMemory blob = updated.serialize();
        try {
            if (blob != null && !blob.isNull()) {
                byte[] bytes = new byte[Math.toIntExact(blob.size())];
                new BytePointer(blob.data()).capacity(bytes.length).get(bytes);
                cache.store(key.timingCacheName(), bytes);
            }
        } finally {
            NativeDelete.delete(blob);
        }
    }

    private static String parserErrors(IParser parser) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parser.getNbErrors(); i++) {
            IParserError e = parser.getError(i);
            sb.append("\n  node ").append(e.node());
            String nodeName = e.nodeName();
            if (nodeName != null && !nodeName.isEmpty()) {
                sb.append(" '").append(nodeName).append('\'');
            }
            String op = e.nodeOperator();
            if (op != null && !op.isEmpty()) {
                sb.append(" (").append(op).append(')');
            }
            sb.append(": ").append(e.desc()).append(" [").append(e.code()).append(']');
        }
        return sb.length() == 0 ? " (no parser errors reported)" : sb.toString();
    }

    private static Dims64 dims(Shape shape) {
        Dims64 d = new Dims64();
        d.nbDims(shape.rank());
        for (int i = 0; i < shape.rank(); i++) {
            d.d(i, shape.dim(i));
        }
        return d;
    }

    private static void report(@Nullable BuildListener listener, String model, long start, String message) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        if (message.equals("building")) {
            log.info("still building the TensorRT engine for {}: {} s", model, elapsed.toSeconds());
        }
        if (listener != null) {
            try {
                listener.progress(model, elapsed, message);
            } catch (RuntimeException e) {
                log.warn("the build listener threw; ignoring it", e);
            }
        }
    }
}
