package org.infer4j.tensorrt.internal;

import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.infer4j.Availability;
import org.infer4j.BackendUnavailableException;
import org.infer4j.EngineStats;
import org.infer4j.InferenceEngine;
import org.infer4j.ModelLoadException;
import org.infer4j.Precision;
import org.infer4j.UnsupportedPrecisionException;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.infer4j.tensorrt.TensorRtSettings;
import org.infer4j.tensorrt.internal.build.EngineCache;
import org.infer4j.tensorrt.internal.build.EngineCacheKey;
import org.infer4j.tensorrt.internal.build.EngineCompiler;
import org.infer4j.tensorrt.internal.build.Int8Plan;
import org.infer4j.tensorrt.internal.build.ProfilePlan;
import org.infer4j.tensorrt.internal.nativeinterop.Cuda;
import org.infer4j.tensorrt.internal.nativeinterop.NativeDelete;
import org.infer4j.tensorrt.internal.nativeinterop.NativeStack;
import org.infer4j.tensorrt.internal.nativeinterop.TrtLogger;
import org.infer4j.tensorrt.internal.onnx.OnnxModelInfo;
import org.infer4j.tensorrt.internal.runtime.GraphSupport;
import org.infer4j.tensorrt.internal.runtime.TrtEngine;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tensorrt} backend: loads an engine from the cache or builds and caches one, then
 * serves it from a pool of execution contexts. Thread-safe.
 */
public final class TensorRtProvider implements BackendProvider {
    public static final String NAME = "tensorrt";
    /** The option that overrides {@link TensorRtSettings#blockingSync()}, for tools that pass options as text. */
    public static final String BLOCKING_SYNC_OPTION = "blockingSync";
    /** The option that overrides {@link TensorRtSettings#tf32()}, for tools that pass options as text. */
    public static final String TF32_OPTION = "tf32";
    /** The option that overrides {@link TensorRtSettings#contextPoolSize()}, for tools that pass options as text. */
    public static final String CONTEXT_POOL_SIZE_OPTION = "contextPoolSize";
    private static final Logger log = LoggerFactory.getLogger(TensorRtProvider.class);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 1000;
    }

    @Override
    public String description() {
        return "native TensorRT 10 through JavaCPP (engine cache, dynamic-shape profiles, a CUDA stream per context)";
    }

    @Override
    public Availability availability() {
        return NativeStack.availability();
    }

    /** The CUDA devices visible to the process. */
    @Override
    public int deviceCount() {
        int[] count = {0};
        Cuda.check(cudaGetDeviceCount(count), "cudaGetDeviceCount");
        return count[0];
    }

    @Override
    public InferenceEngine create(EngineConfig config) {
        NativeStack.require();
        config.requireKnownOptions(NAME, Set.of(BLOCKING_SYNC_OPTION, TF32_OPTION, CONTEXT_POOL_SIZE_OPTION));
        TensorRtSettings settings = settingsOf(config);
        boolean blockingSync = booleanOption(config, BLOCKING_SYNC_OPTION, settings.blockingSync());
        String modelName = config.modelName();
        byte[] model = config.modelBytes();
        OnnxModelInfo info = OnnxModelInfo.parse(model, modelName);
        config.requireShapeRangesFit(info.inputs());
        ProfilePlan plan = ProfilePlan.derive(info.inputs(), config.shapeRanges());
        if (!plan.defaulted().isEmpty()) {
            log.info("{}: no shape range given for {} dynamic dimension(s), using defaults: {}. Give ranges with "
                    + "EngineBuilder.shapeRange to change them", modelName, plan.defaulted().size(), plan.defaulted());
        }

        int device = config.deviceIndex();
        int[] count = {0};
        Cuda.check(cudaGetDeviceCount(count), "cudaGetDeviceCount");
        if (device >= count[0]) {
            throw new BackendUnavailableException("CUDA device " + device + " does not exist; this machine has " + count[0]
                    + " (0.." + (count[0] - 1) + "); pick one with EngineBuilder.device");
        }
        Cuda.useDevice(device);
        EngineCache cache = new EngineCache(settings.cacheDirectory());
        Int8Plan int8 = config.precision() == Precision.INT8
                ? Int8Plan.of(config.int8Calibration().orElse(null), config.modelDigest(), cache)
                : null;
        EngineCacheKey key;
        try (cudaDeviceProp prop = new cudaDeviceProp()) {
            Cuda.check(cudaGetDeviceProperties(prop, device), "cudaGetDeviceProperties(" + device + ")");
            String gpu = prop.name().getString();
            if (config.precision() == Precision.FP8) {
                requireFp8(gpu, prop.major(), prop.minor());
            }
            key = EngineCacheKey.of(config, settings, plan, gpu, prop.major(), prop.minor(), NativeStack.tensorRtVersion(),
                    int8 == null ? "" : int8.keyText());
        }
        String engineFile = key.digest() + ".engine";
        // an INT8 engine whose calibration has no table yet cannot be in the cache: its key names the table
        boolean lookUp = settings.engineCache() && (int8 == null || int8.calibration() == null || int8.table() != null);

        List<String> notes = new ArrayList<>();
        GraphSupport graphs = GraphSupport.choose(config.cudaGraphs(), settings, modelName, notes);
        long start = System.nanoTime();
        IRuntime runtime = createInferRuntime(TrtLogger.INSTANCE);
        if (runtime == null || runtime.isNull()) {
            throw new ModelLoadException("TensorRT could not create a runtime; see the TensorRT log lines above");
        }
        ICudaEngine engine = null;
        int calibrationBatches = 0;
        boolean fromCache = false;
        boolean cached = false;
        try {
            if (lookUp) {
                engine = cache.open(engineFile, blob -> deserialize(runtime, blob)).orElse(null);
                fromCache = cached = engine != null;
            }
            if (engine == null) {
                if (settings.engineCache() || settings.timingCache() || int8 != null) {
                    cache.writable(); // warns before a long build if nothing it builds can be kept
                }
                EngineCompiler.Compiled compiled = EngineCompiler.compile(model, config.modelPath().orElse(null), modelName,
                        plan, config.precision(), settings, cache, key, int8, info.inputs(), device);
                calibrationBatches = compiled.calibrationBatches();
                byte[] written = compiled.writtenTable();
                if (int8 != null && written != null) {
                    String tableName = Objects.requireNonNull(int8.tableName());
                    if (cache.storePlain(tableName, written)) {
                        log.info("stored the INT8 calibration table of {} as {}", modelName, cache.fileOf(tableName));
                    }
                    int8 = int8.withTable(written);
                    key = key.withQuantization(int8.keyText());
                    engineFile = key.digest() + ".engine";
                }
                byte[] serialized = compiled.engine();
                if (settings.engineCache()) {
                    cached = cache.store(engineFile, serialized);
                }
                engine = deserialize(runtime, serialized);
                if (engine == null) {
                    throw new ModelLoadException("TensorRT built an engine for " + modelName + " but cannot load it; see the "
                            + "TensorRT log lines above");
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            log.info("{} engine for {} ready in {} ms ({})", NAME, modelName, millis, fromCache
                    ? "from cache " + cache.fileOf(engineFile)
                    : cached ? "built, cached as " + cache.fileOf(engineFile) : "built, not cached");
            Map<String, Long> counters = new java.util.LinkedHashMap<>();
            counters.put("tensorrt.startMillis", millis);
            counters.put("tensorrt.fromCache", fromCache ? 1L : 0L);
            counters.put("tensorrt.contexts", (long) settings.contextPoolSize());
            // what one enqueueV3 launches: its host-side cost grows with both (benchmarks compare engines by them)
            counters.put("tensorrt.layers", (long) engine.getNbLayers());
            counters.put("tensorrt.auxStreams", (long) engine.getNbAuxStreams());
            counters.put("tensorrt.blockingSync", blockingSync ? 1L : 0L);
            counters.put("tensorrt.zeroCopyLimitBytes", settings.zeroCopyLimit());
            if (config.cudaGraphs()) {
                counters.put("cudaGraphs.enabled", graphs.enabled() ? 1L : 0L);
            }
            Path table = null;
            if (int8 != null && int8.tableName() != null) {
                // batches TensorRT read in this start: 0 when the engine came from the cache or the table was reused
                counters.put("tensorrt.int8.calibrationBatches", (long) calibrationBatches);
                Path stored = cache.fileOf(int8.tableName());
                table = Files.isRegularFile(stored) ? stored : null;
            }
            EngineStats stats = new EngineStats(counters, notes);
            ICudaEngine owned = engine;
            engine = null; // TrtEngine owns both from here, on every path
            return new TrtEngine(NAME, modelName, device, runtime, owned, info, plan, settings.contextPoolSize(), stats, graphs,
                    blockingSync, settings.zeroCopyLimit(), config.maxInFlight(), table);
        } catch (RuntimeException e) {
            NativeDelete.delete(engine);
            NativeDelete.delete(runtime);
            throw e;
        }
    }

    /**
     * The typed settings given, or the defaults, with the text options {@value #TF32_OPTION} and
     * {@value #CONTEXT_POOL_SIZE_OPTION} applied over them.
     *
     * @throws IllegalArgumentException for an option value that is not of its type or range
     */
    static TensorRtSettings settingsOf(EngineConfig config) {
        TensorRtSettings settings = config.settings(TensorRtSettings.class).orElseGet(TensorRtSettings::defaults);
        if (config.options().containsKey(TF32_OPTION)) {
            settings = settings.toBuilder().tf32(booleanOption(config, TF32_OPTION, settings.tf32())).build();
        }
        String poolSize = config.options().get(CONTEXT_POOL_SIZE_OPTION);
        if (poolSize != null) {
            try {
                settings = settings.toBuilder().contextPoolSize(Integer.parseInt(poolSize.trim())).build();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + CONTEXT_POOL_SIZE_OPTION + " of backend " + NAME
                        + " is a number of contexts >= 1, not '" + poolSize + "'", e);
            }
        }
        return settings;
    }

    /**
     * FP8 tensor cores came with compute capability 8.9 (Ada) and 9.0 (Hopper); on older GPUs TensorRT refuses
     * a network with FP8 quantize/dequantize layers ("Networks with FP8 Q/DQ layers require hardware with FP8
     * support"), which this says before the parse.
     *
     * @throws UnsupportedPrecisionException on a GPU of compute capability below 8.9
     */
    static void requireFp8(String gpu, int major, int minor) {
        if (major * 10 + minor < 89) {
            throw new UnsupportedPrecisionException("Precision.FP8 needs a GPU of compute capability 8.9 (Ada) or 9.0 "
                    + "(Hopper) or later; " + gpu + " is " + major + "." + minor + ". Use Precision.INT8 or FP16 on it");
        }
    }

    /** The boolean option {@code key} if given, else {@code otherwise}. */
    static boolean booleanOption(EngineConfig config, String key, boolean otherwise) {
        String value = config.options().get(key);
        if (value == null) {
            return otherwise;
        }
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("option " + key + " of backend " + NAME
                    + " is true or false, not '" + value + "'");
        };
    }

    private static @Nullable ICudaEngine deserialize(IRuntime runtime, byte[] serialized) {
        try (BytePointer blob = new BytePointer(serialized)) {
            ICudaEngine engine = runtime.deserializeCudaEngine(blob, serialized.length);
            return engine == null || engine.isNull() ? null : engine;
        }
    }
}
