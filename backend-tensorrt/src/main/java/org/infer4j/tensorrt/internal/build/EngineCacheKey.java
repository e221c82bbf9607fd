package org.infer4j.tensorrt.internal.build;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.infer4j.Precision;
import org.infer4j.spi.EngineConfig;
import org.infer4j.tensorrt.TensorRtSettings;
import org.infer4j.tensorrt.internal.onnx.ExternalData;

/**
 * What decides whether a serialised engine can be reused: the model, the GPU, the TensorRT
 * version and every build setting. Two builds with equal keys would produce interchangeable
 * engines; anything else that differs must change the {@link #digest()}. Immutable.
 *
 * @param modelDigest the SHA-256 of the model's bytes, and a digest of its external data files
 *                    where it has any (see {@link #of})
 * @param gpuName the GPU's name, as CUDA reports it
 * @param computeMajor the GPU's compute capability, major part
 * @param computeMinor the GPU's compute capability, minor part
 * @param tensorRtVersion TensorRT's version, {@code major.minor.patch}
 * @param precision the build's precision
 * @param tf32 whether the build may use TF32
 * @param workspaceBytes the builder's workspace limit, 0 for TensorRT's default
 * @param optimizationLevel the builder's optimisation level
 * @param profiles the optimisation profile's text ({@link ProfilePlan#canonical()})
 * @param quantization what decides an INT8 engine's scales and FP32 layers ({@link Int8Plan#keyText()}), empty
 *                     for other precisions
 */
public record EngineCacheKey(String modelDigest, String gpuName, int computeMajor, int computeMinor, String tensorRtVersion,
                      Precision precision, boolean tf32, long workspaceBytes, int optimizationLevel, String profiles,
                      String quantization) {

    /**
     * A key without quantization, for FP32, FP16 and FP8 engines, whose scales (if any) are the model's own.
     *
     * @param modelDigest as in the record
     * @param gpuName as in the record
     * @param computeMajor as in the record
     * @param computeMinor as in the record
     * @param tensorRtVersion as in the record
     * @param precision as in the record
     * @param tf32 as in the record
     * @param workspaceBytes as in the record
     * @param optimizationLevel as in the record
     * @param profiles as in the record
     */
    public EngineCacheKey(String modelDigest, String gpuName, int computeMajor, int computeMinor, String tensorRtVersion,
                          Precision precision, boolean tf32, long workspaceBytes, int optimizationLevel, String profiles) {
        this(modelDigest, gpuName, computeMajor, computeMinor, tensorRtVersion, precision, tf32, workspaceBytes,
                optimizationLevel, profiles, "");
    }

    /**
     * Bumped when the engine file layout or what goes into an engine changes (2: Identity nodes of
     * initializers are folded away before parsing; 3: {@link org.infer4j.tensorrt.internal.onnx.ParserRewrite} applies a split attention
     * scale to the query alone).
     */
    static final int FORMAT = 3;

    /**
     * The key of the engine for {@code config}'s model and precision, {@code settings}' build
     * settings and {@code plan}'s profile, on the GPU and TensorRT version given. The model enters
     * by the SHA-256 of its bytes, so a model file replaced under the same path, whatever its size
     * and modification time, gets another key, and the same model under any path the same one. A
     * model with external data enters with a digest of those files' contents too
     * ({@link org.infer4j.tensorrt.internal.onnx.ExternalData#digest}), read beside the model file, or in the current directory for a
     * model given as bytes, as TensorRT's parser does.
     *
     * @param config the engine's configuration: model, model path and precision
     * @param settings the tensorrt build settings
     * @param plan the optimisation profile
     * @param gpuName the GPU's name, as CUDA reports it
     * @param computeMajor the GPU's compute capability, major part
     * @param computeMinor the GPU's compute capability, minor part
     * @param tensorRtVersion TensorRT's version, {@code major.minor.patch}
     * @param quantization the INT8 build's {@link Int8Plan#keyText()}, else empty
     * @return the key
     */
    public static EngineCacheKey of(EngineConfig config, TensorRtSettings settings, ProfilePlan plan, String gpuName,
                             int computeMajor, int computeMinor, String tensorRtVersion, String quantization) {
        Path directory = config.modelPath().map(p -> p.toAbsolutePath().getParent()).orElse(Path.of(""));
        String external = ExternalData.digest(config.modelBytes(), directory);
        String model = external.isEmpty() ? config.modelDigest() : config.modelDigest() + " external data " + external;
        return new EngineCacheKey(model, gpuName, computeMajor, computeMinor, tensorRtVersion,
                config.precision(), settings.tf32(), settings.workspaceBytes(), settings.optimizationLevel(),
                plan.canonical(), quantization);
    }

    /**
     * This key for an INT8 engine whose quantization became known only during its build (the calibration
     * table that build wrote).
     *
     * @param quantizationText the new {@link Int8Plan#keyText()}
     * @return the key with it
     */
    public EngineCacheKey withQuantization(String quantizationText) {
        return new EngineCacheKey(modelDigest, gpuName, computeMajor, computeMinor, tensorRtVersion, precision, tf32,
                workspaceBytes, optimizationLevel, profiles, quantizationText);
    }

    /**
     * The key as a name for the engine's file.
     *
     * @return the lower-case hex SHA-256 of every field
     */
    public String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // length-prefixed fields: no two different keys can run together into the same text. The quantization
            // is a field only where it is not empty, so that adding it kept the keys of FP32 and FP16 engines
            List<String> fields = new ArrayList<>(List.of(Integer.toString(FORMAT), modelDigest, gpuName,
                    computeMajor + "." + computeMinor, tensorRtVersion, precision.name(), Boolean.toString(tf32),
                    Long.toString(workspaceBytes), Integer.toString(optimizationLevel), profiles));
            if (!quantization.isEmpty()) {
                fields.add(quantization);
            }
            for (String field : fields) {
                byte[] b = field.getBytes(StandardCharsets.UTF_8);
                sha.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ':');
                sha.update(b);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The timing cache holds kernel timings for one GPU model and TensorRT version, for any model. */
    String timingCacheName() {
        String gpu = gpuName.replaceAll("[^A-Za-z0-9._-]+", "_");
        return "timing-" + gpu + "-sm" + computeMajor + computeMinor + "-trt" + tensorRtVersion + ".cache";
    }

    /** For log lines. */
    String describe() {
        return precision + (quantization.isEmpty() ? "" : " (" + quantization + ")") + (tf32 ? "+TF32" : "") + ", opt level " + optimizationLevel + ", workspace "
                + (workspaceBytes == 0 ? "default" : workspaceBytes + " B") + ", on " + gpuName + " (sm_" + computeMajor
                + computeMinor + "), TensorRT " + tensorRtVersion;
    }
}
