package org.infer4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.infer4j.internal.AutoSelector;
import org.infer4j.internal.BatchingEngine;
import org.infer4j.internal.RoutingEngine;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configures and builds an {@link InferenceEngine}.
 *
 * <p>Without {@link #backend(String)}, {@link #build()} takes the backend named by the system
 * property {@code infer4j.backend} ({@link Backends#BACKEND_PROPERTY}) if it is set, so that a
 * deployment can pin one without a code change; otherwise the available backend of highest
 * priority: {@code tensorrt} (1000), {@code ort-tensorrt} (900), {@code ort-cuda} (500),
 * {@code ort-cpu} (100) — fastest first. A backend named in code wins over the property. The name
 * {@code auto} ({@link AutoSelection#BACKEND_NAME}), in code or in the property, chooses by
 * measurement instead: see {@link #autoSelection(AutoSelection)}.
 * TensorRT-based backends compile the model on first use (seconds to minutes for large models) and
 * cache the result on disk.
 *
 * <p>Builder methods throw {@link IllegalArgumentException} or {@link NullPointerException} for
 * arguments that can never be right; {@link #build()} throws the typed {@link InferenceException}s.
 * Not thread-safe; a builder may be reused.
 */
public final class EngineBuilder {
    private static final Logger log = LoggerFactory.getLogger(EngineBuilder.class);

    private @Nullable Path modelPath;
    private byte @Nullable [] modelBytes;
    private @Nullable String backend;
    private int deviceIndex;
    private Precision precision = Precision.FP32;
    private final Map<String, ShapeRange> shapeRanges = new LinkedHashMap<>();
    private final List<BackendSettings> settings = new ArrayList<>();
    private final Map<String, String> options = new LinkedHashMap<>();
    private @Nullable Backends backends;
    private boolean cudaGraphs;
    private int maxInFlight = EngineConfig.DEFAULT_MAX_IN_FLIGHT;
    /** Several devices to route between; empty for all the backend has; null for {@link #deviceIndex} alone. */
    private int @Nullable [] devices;
    private @Nullable DynamicBatching batching;
    private @Nullable Int8Calibration int8Calibration;
    private @Nullable AutoSelection autoSelection;

    EngineBuilder() {
    }

    /** The ONNX model file. External weight files are resolved beside it by backends that support them. */
    public EngineBuilder model(Path path) {
        this.modelPath = Objects.requireNonNull(path, "path");
        this.modelBytes = null;
        return this;
    }

    /** The ONNX model as bytes (copied). */
    public EngineBuilder model(byte[] bytes) {
        this.modelBytes = Objects.requireNonNull(bytes, "bytes").clone();
        this.modelPath = null;
        return this;
    }

    /**
     * The backend by name, e.g. {@code ort-cuda}; see {@link Backends#report()} for what is here.
     * Wins over the system property {@code infer4j.backend}.
     */
    public EngineBuilder backend(String name) {
        this.backend = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * Let {@link #build()} choose the backend (the default): the one the system property
     * {@code infer4j.backend} names, else the available one of highest priority ({@link Backends#automatic()}).
     */
    public EngineBuilder automaticBackend() {
        this.backend = null;
        return this;
    }

    /** The CUDA device index (default 0); ignored by CPU backends. Replaces {@link #devices}. */
    public EngineBuilder device(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, not " + index);
        }
        this.deviceIndex = index;
        this.devices = null;
        return this;
    }

    /**
     * One engine per listed device behind the one built, each call going to the device with the
     * fewest calls in flight; {@link InferenceEngine#stats()} then reports per device
     * ({@code device.N.requests}, {@code device.N.inFlight} and that device's own counters). The
     * engines are built one after another, so TensorRT compiles the model once per GPU model and
     * loads it from its engine cache for the other GPUs of that model. The engine built is not the
     * backend's own type (no cast to {@code TensorRtEngine}). A one-device list gives the same
     * routed engine over one device. Replaces {@link #device}.
     *
     * @param indices distinct device indices, at least one
     * @throws IllegalArgumentException if none is given, one is negative, or one is repeated
     */
    public EngineBuilder devices(int... indices) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("give at least one device index, or call allDevices()");
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0) {
                throw new IllegalArgumentException("device index must be >= 0, not " + indices[i]);
            }
            for (int j = 0; j < i; j++) {
                if (indices[j] == indices[i]) {
                    throw new IllegalArgumentException("device " + indices[i] + " is listed twice in " + java.util.Arrays.toString(indices));
                }
            }
        }
        this.devices = indices.clone();
        return this;
    }

    /**
     * Like {@link #devices} over every device the backend sees here (CUDA's visible devices, as
     * {@code CUDA_VISIBLE_DEVICES} limits them); one for CPU backends and for backends that cannot
     * count their devices ({@code ort-cuda}, {@code ort-tensorrt}: name their devices instead).
     */
    public EngineBuilder allDevices() {
        this.devices = new int[0];
        return this;
    }

    /**
     * The arithmetic precision inside the model (default {@link Precision#FP32}).
     *
     * @param precision the precision; {@link Precision#INT8} takes a calibration
     *                  ({@link #int8Calibration(Int8Calibration)}) unless the model is quantized already
     * @return this builder
     * @throws NullPointerException if {@code precision} is null
     */
    public EngineBuilder precision(Precision precision) {
        this.precision = Objects.requireNonNull(precision, "precision");
        return this;
    }

    /**
     * Representative inputs from which an {@link Precision#INT8} engine takes its INT8 scales, and the layers
     * to keep in FP32. {@code tensorrt} calibrates on them (or reuses the cached result); {@code ort-tensorrt}
     * uses the calibration table that {@code tensorrt} stored for them.
     *
     * @param calibration the calibration
     * @return this builder
     * @throws NullPointerException if {@code calibration} is null
     */
    public EngineBuilder int8Calibration(Int8Calibration calibration) {
        this.int8Calibration = Objects.requireNonNull(calibration, "calibration");
        return this;
    }

    /** The shapes input {@code name} will take, for backends that compile for a range (TensorRT). */
    public EngineBuilder shapeRange(String name, ShapeRange range) {
        shapeRanges.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(range, "range"));
        return this;
    }

    /** Shorthand for {@link #shapeRange(String, ShapeRange)}. */
    public EngineBuilder shapeRange(String name, long[] min, long[] optimal, long[] max) {
        return shapeRange(name, ShapeRange.of(min, optimal, max));
    }

    /** Typed settings for a backend family; replaces earlier settings of the same class. */
    public EngineBuilder settings(BackendSettings backendSettings) {
        Objects.requireNonNull(backendSettings, "backendSettings");
        settings.removeIf(s -> s.getClass() == backendSettings.getClass());
        settings.add(backendSettings);
        return this;
    }

    /**
     * An untyped option, the escape hatch for what typed settings do not cover. The chosen backend
     * rejects keys it does not know, listing the valid ones.
     */
    public EngineBuilder option(String key, String value) {
        options.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Capture each static-shape inference as a CUDA graph and replay it, removing CPU launch
     * overhead (default off). Callers call {@code run} as before. Backends that cannot do it say so
     * in {@link InferenceEngine#stats()}, or refuse at build time where it would give wrong results.
     */
    public EngineBuilder cudaGraphs(boolean enabled) {
        this.cudaGraphs = enabled;
        return this;
    }

    /**
     * The most {@link InferenceEngine#runAsync asynchronous requests} the engine accepts and has not
     * finished (default {@value EngineConfig#DEFAULT_MAX_IN_FLIGHT}); {@code runAsync} waits for room
     * beyond that, which slows a producer down to the engine's pace.
     *
     * @throws IllegalArgumentException if {@code requests < 1}
     */
    public EngineBuilder maxInFlight(int requests) {
        if (requests < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, not " + requests);
        }
        this.maxInFlight = requests;
        return this;
    }

    /**
     * Merges concurrent requests into batches along dimension 0 before they reach the engine: see
     * {@link DynamicBatching}. {@code run} and {@code runAsync} queue each request (checked on its
     * own first, so a bad one fails alone), and a batching thread hands the engine one merged call
     * per batch and splits the outputs back. Requests whose other dimensions differ are never
     * merged. Needs a model whose inputs and outputs all have a dynamic first dimension, and an
     * engine that takes {@code maxBatch} rows (TensorRT: a {@link #shapeRange} up to it). Off by
     * default.
     */
    public EngineBuilder dynamicBatching(DynamicBatching settings) {
        this.batching = Objects.requireNonNull(settings, "settings");
        return this;
    }

    /** {@link #dynamicBatching(DynamicBatching)} with batches of at most {@code maxBatch} rows, waiting at most {@code maxQueueDelay}. */
    public EngineBuilder dynamicBatching(int maxBatch, Duration maxQueueDelay) {
        return dynamicBatching(DynamicBatching.of(maxBatch, maxQueueDelay));
    }

    /**
     * Choose the backend by measurement: {@link #build()} builds each available candidate for this
     * model, precision and shape ranges, drops those whose outputs differ from the reference
     * backend's, and keeps the fastest; the decision is cached, so later starts with the same model,
     * machine and configuration build the chosen backend without measuring. Same as
     * {@code backend("auto")} but with these options. The table of the decision is logged at INFO;
     * {@link #select()} returns it.
     *
     * @param options how to measure and what to cache
     * @return this builder
     */
    public EngineBuilder autoSelection(AutoSelection options) {
        this.autoSelection = Objects.requireNonNull(options, "options");
        this.backend = AutoSelection.BACKEND_NAME;
        return this;
    }

    /** Where to find backends (default: {@link Backends#discover()} at build time). */
    public EngineBuilder backends(Backends registry) {
        this.backends = Objects.requireNonNull(registry, "registry");
        return this;
    }

    /**
     * Loads the model on the chosen backend; when the backend is {@code auto}, on the one chosen by
     * measurement ({@link #autoSelection(AutoSelection)}).
     *
     * @throws ModelLoadException if no model was given, the file is missing, or the backend rejects it
     * @throws BackendUnavailableException if the named backend is missing or cannot run here, or none can;
     *         without a name in code, if the system property {@code infer4j.backend} names a backend that is
     *         unknown or cannot run here (the message names the property); a {@link SelectionFailedException}
     *         naming every candidate and its reason if no candidate of a choice by measurement qualified; an
     *         {@link UnsupportedPrecisionException} if the backend cannot run the model in the precision asked for
     * @throws InvalidInputException if a shape range does not fit the model's inputs, INT8 calibration
     *         data does not, or the model or engine cannot be batched dynamically as asked
     * @throws IllegalStateException if an INT8 calibration is given for a precision other than INT8
     */
    public InferenceEngine build() {
        EngineConfig config = config(devices != null && devices.length > 0 ? devices[0] : deviceIndex);
        Backends registry = backends != null ? backends : Backends.discover();
        InferenceEngine engine;
        if (devices == null) {
            engine = choosesByMeasurement()
                    ? Objects.requireNonNull(AutoSelector.choose(registry, config, selectionOptions(), true).engine())
                    : create(chosen(registry), config);
        } else {
            // a choice by measurement is made on the first device, and its backend built on every one
            BackendProvider provider = choosesByMeasurement()
                    ? registry.require(AutoSelector.choose(registry, config, selectionOptions(), false).selection().backend())
                    : chosen(registry);
            int[] on = devices.length > 0 ? devices : allDevicesOf(provider);
            engine = RoutingEngine.over(on, device -> create(provider, config(device)));
        }
        return batching == null ? engine : BatchingEngine.wrap(engine, batching, maxInFlight);
    }

    private BackendProvider chosen(Backends registry) {
        return backend != null ? registry.require(backend) : registry.automatic();
    }

    private InferenceEngine create(BackendProvider provider, EngineConfig config) {
        log.debug("building {} engine for {} ({}, device {})", provider.name(), config.modelName(), precision, config.deviceIndex());
        return provider.create(config);
    }

    /**
     * Chooses the backend by measurement, or recalls the decision from the cache, without keeping an
     * engine: every engine it builds is closed. A following {@link #build()} with the cache on
     * recalls this decision. Uses the options of {@link #autoSelection(AutoSelection)}, or the
     * defaults, whatever the backend named.
     *
     * @return the decision with the table of every candidate
     * @throws ModelLoadException if no model was given or the file is missing
     * @throws SelectionFailedException naming every candidate and its reason, if none qualified
     * @throws BackendUnavailableException if the reference backend is unknown or cannot run here
     * @throws InvalidInputException if the inputs given to measure with do not fit the model
     */
    public Selection select() {
        return AutoSelector.choose(backends != null ? backends : Backends.discover(), config(deviceIndex), selectionOptions(), false)
                .selection();
    }

    private boolean choosesByMeasurement() {
        return AutoSelection.BACKEND_NAME.equals(backend != null ? backend : Backends.propertyBackend());
    }

    private AutoSelection selectionOptions() {
        return autoSelection != null ? autoSelection : AutoSelection.defaults();
    }

    private EngineConfig config(int device) {
        if (modelPath == null && modelBytes == null) {
            throw new ModelLoadException("no model given; call model(Path) or model(byte[]) before build()");
        }
        if (modelPath != null && !Files.isRegularFile(modelPath)) {
            throw new ModelLoadException("model file " + modelPath.toAbsolutePath()
                    + (Files.exists(modelPath) ? " is not a regular file" : " does not exist"));
        }
        if (int8Calibration != null && precision != Precision.INT8) {
            throw new IllegalStateException("an INT8 calibration was given for a " + precision + " engine; call "
                    + "precision(Precision.INT8), or leave the calibration out");
        }
        return new EngineConfig(modelPath, modelBytes, device, precision, shapeRanges, settings, options, cudaGraphs, maxInFlight,
                int8Calibration);
    }

    private static int[] allDevicesOf(BackendProvider provider) {
        int count = provider.deviceCount();
        if (count < 1) {
            throw new BackendUnavailableException("backend " + provider.name() + " sees no device here; check "
                    + "CUDA_VISIBLE_DEVICES and nvidia-smi");
        }
        return java.util.stream.IntStream.range(0, count).toArray();
    }
}
