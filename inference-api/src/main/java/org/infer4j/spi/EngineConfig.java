package org.infer4j.spi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.infer4j.BackendSettings;
import org.infer4j.Int8Calibration;
import org.infer4j.InvalidInputException;
import org.infer4j.ModelLoadException;
import org.infer4j.Precision;
import org.infer4j.ShapeRange;
import org.infer4j.TensorInfo;
import org.jspecify.annotations.Nullable;

/** Everything an {@link org.infer4j.EngineBuilder} was told, as a provider receives it. Immutable and thread-safe. */
public final class EngineConfig {
    /** The most asynchronous requests an engine accepts and has not finished, unless the builder says otherwise. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 64;

    private final @Nullable Path modelPath;
    private volatile byte @Nullable [] modelBytes;
    private volatile @Nullable String modelDigest;
    private final int deviceIndex;
    private final Precision precision;
    private final Map<String, ShapeRange> shapeRanges;
    private final Map<Class<?>, BackendSettings> settings;
    private final Map<String, String> options;
    private final boolean cudaGraphs;
    private final int maxInFlight;
    private final @Nullable Int8Calibration int8Calibration;

    public EngineConfig(@Nullable Path modelPath, byte @Nullable [] modelBytes, int deviceIndex, Precision precision,
                        Map<String, ShapeRange> shapeRanges, List<BackendSettings> settings, Map<String, String> options) {
        this(modelPath, modelBytes, deviceIndex, precision, shapeRanges, settings, options, false);
    }

    public EngineConfig(@Nullable Path modelPath, byte @Nullable [] modelBytes, int deviceIndex, Precision precision,
                        Map<String, ShapeRange> shapeRanges, List<BackendSettings> settings, Map<String, String> options,
                        boolean cudaGraphs) {
        this(modelPath, modelBytes, deviceIndex, precision, shapeRanges, settings, options, cudaGraphs, DEFAULT_MAX_IN_FLIGHT,
                null);
    }

    /**
     * Everything a builder was told.
     *
     * @param modelPath the model file, or null when the model is given as bytes
     * @param modelBytes the model's bytes, or null when it is given as a file
     * @param deviceIndex the CUDA device
     * @param precision the arithmetic precision inside the model
     * @param shapeRanges the user's shape ranges by input name
     * @param settings typed settings, the last of each class winning
     * @param options the escape-hatch options
     * @param cudaGraphs whether CUDA graph capture and replay was asked for
     * @param maxInFlight the most asynchronous requests the engine accepts and has not finished
     * @param int8Calibration the INT8 calibration, or null
     * @throws IllegalArgumentException if both or neither of the model path and bytes are given, or
     *         {@code maxInFlight < 1}
     */
    public EngineConfig(@Nullable Path modelPath, byte @Nullable [] modelBytes, int deviceIndex, Precision precision,
                        Map<String, ShapeRange> shapeRanges, List<BackendSettings> settings, Map<String, String> options,
                        boolean cudaGraphs, int maxInFlight, @Nullable Int8Calibration int8Calibration) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, not " + maxInFlight);
        }
        this.maxInFlight = maxInFlight;
        if ((modelPath == null) == (modelBytes == null)) {
            throw new IllegalArgumentException("give the model as a path or as bytes, not both or neither");
        }
        this.modelPath = modelPath;
        this.modelBytes = modelBytes;
        this.deviceIndex = deviceIndex;
        this.precision = precision;
        this.shapeRanges = Map.copyOf(shapeRanges);
        Map<Class<?>, BackendSettings> bySettingsType = new LinkedHashMap<>();
        settings.forEach(s -> bySettingsType.put(s.getClass(), s));
        this.settings = Map.copyOf(bySettingsType);
        this.options = Map.copyOf(options);
        this.cudaGraphs = cudaGraphs;
        this.int8Calibration = int8Calibration;
    }

    /** The model file, when the model was given as a path (some backends resolve external data beside it). */
    public Optional<Path> modelPath() {
        return Optional.ofNullable(modelPath);
    }

    /**
     * The model's bytes, read from the file on first use.
     *
     * @throws ModelLoadException if the file cannot be read
     */
    public byte[] modelBytes() {
        byte[] b = modelBytes;
        if (b == null) {
            // the constructor takes a path wherever it takes no bytes
            b = readModel(Objects.requireNonNull(modelPath, "modelPath"));
            modelBytes = b;
        }
        return b;
    }

    /** The model's file name, or {@code <bytes>}, for messages. */
    public String modelName() {
        return modelPath != null ? String.valueOf(modelPath.getFileName()) : "<" + modelBytes().length + " model bytes>";
    }

    /** Lower-case hex SHA-256 of the model bytes, for cache keys; computed once. */
    public String modelDigest() {
        String digest = modelDigest;
        if (digest == null) {
            try {
                digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(modelBytes()));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime has SHA-256", e);
            }
            modelDigest = digest;
        }
        return digest;
    }

    /**
     * The same configuration at another precision; the model is shared, not read again.
     *
     * @param other the precision of the new configuration
     * @return a configuration equal to this one but for its precision
     */
    public EngineConfig withPrecision(Precision other) {
        EngineConfig copy = new EngineConfig(modelPath, modelPath == null ? modelBytes : null, deviceIndex, other, shapeRanges,
                List.copyOf(settings.values()), options, cudaGraphs, maxInFlight, other == Precision.INT8 ? int8Calibration : null);
        copy.modelBytes = modelBytes;
        copy.modelDigest = modelDigest;
        return copy;
    }

    /**
     * Everything but the model, as text in a fixed order (settings by their {@code toString()}), for
     * keys of decisions that depend on the whole configuration.
     *
     * @return one {@code key=value} line per item
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("device=").append(deviceIndex).append('\n');
        sb.append("precision=").append(precision).append('\n');
        sb.append("cudaGraphs=").append(cudaGraphs).append('\n');
        new TreeMap<>(shapeRanges).forEach((name, range) -> sb.append("shapeRange.").append(name).append('=').append(range)
                .append('\n'));
        settings.values().stream().map(String::valueOf).sorted().forEach(s -> sb.append("settings=").append(s).append('\n'));
        new TreeMap<>(options).forEach((key, value) -> sb.append("option.").append(key).append('=').append(value).append('\n'));
        return sb.toString();
    }

    public int deviceIndex() {
        return deviceIndex;
    }

    public Precision precision() {
        return precision;
    }

    /** The user's shape ranges by input name. */
    public Map<String, ShapeRange> shapeRanges() {
        return shapeRanges;
    }

    /** The typed settings of the given class, if the user passed one. */
    public <T extends BackendSettings> Optional<T> settings(Class<T> type) {
        return Optional.ofNullable(type.cast(settings.get(type)));
    }

    /** Whether the user asked for CUDA graph capture and replay ({@link org.infer4j.EngineBuilder#cudaGraphs}). */
    public boolean cudaGraphs() {
        return cudaGraphs;
    }

    /** The most asynchronous requests the engine accepts and has not finished ({@link org.infer4j.EngineBuilder#maxInFlight}). */
    public int maxInFlight() {
        return maxInFlight;
    }

    /**
     * The INT8 calibration the user gave ({@link org.infer4j.EngineBuilder#int8Calibration}), if any; only
     * ever given with {@link Precision#INT8}.
     *
     * @return the calibration, or empty
     */
    public Optional<Int8Calibration> int8Calibration() {
        return Optional.ofNullable(int8Calibration);
    }

    /** The untyped escape-hatch options, by key. */
    public Map<String, String> options() {
        return options;
    }

    /**
     * Rejects options this backend does not know, naming the known ones.
     *
     * @throws IllegalArgumentException for an unknown key
     */
    public void requireKnownOptions(String backend, Set<String> known) {
        for (String key : options.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("backend " + backend + " has no option '" + key + "'; valid options are "
                        + new TreeSet<>(known));
            }
        }
    }

    /**
     * Checks the user's shape ranges against the model's inputs: every range names an input, has
     * its rank, and agrees with its known dimensions.
     *
     * @throws InvalidInputException naming the input and the mismatch
     */
    public void requireShapeRangesFit(List<TensorInfo> inputs) {
        Map<String, TensorInfo> byName = inputs.stream().collect(Collectors.toMap(TensorInfo::name, i -> i));
        shapeRanges.forEach((name, range) -> {
            TensorInfo info = byName.get(name);
            if (info == null) {
                throw new InvalidInputException("shape range given for '" + name + "', which is not an input of "
                        + modelName() + "; inputs are " + inputs);
            }
            for (var s : List.of(range.min(), range.optimal(), range.max())) {
                if (!info.shape().accepts(s)) {
                    throw new InvalidInputException("shape range " + range + " for input '" + name
                            + "' does not fit the model's shape " + info);
                }
            }
        });
    }

    private static byte[] readModel(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("model file " + path.toAbsolutePath() + " does not exist", e);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("cannot read model file " + path.toAbsolutePath() + ": " + e, e);
        }
    }
}
