package org.infer4j.spark.internal;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Precision;
import org.jspecify.annotations.Nullable;

/**
 * What an engine is built from, apart from the device: the key of {@link EngineCache} (with the
 * device) and the part of a scoring plan shipped to executors, hence serializable and immutable.
 *
 * @param modelPath the ONNX file, as every executor sees it
 * @param backend a backend name, or null for the automatic choice
 * @param precision the arithmetic precision
 * @param options untyped builder options, sorted by key so that equal sets compare equal
 */
public record EngineSpec(String modelPath, @Nullable String backend, Precision precision, Map<String, String> options)
        implements Serializable {

    public EngineSpec {
        Objects.requireNonNull(modelPath, "modelPath");
        Objects.requireNonNull(precision, "precision");
        options = Collections.unmodifiableMap(new TreeMap<>(options));
    }

    /**
     * Builds this engine.
     *
     * @param device the CUDA device index, or null for the builder's default
     * @return a new engine, which the caller owns
     * @throws org.infer4j.InferenceException as {@link EngineBuilder#build()} does
     */
    public InferenceEngine build(@Nullable Integer device) {
        EngineBuilder builder = InferenceEngine.builder().model(Path.of(modelPath)).precision(precision);
        if (backend != null) {
            builder.backend(backend);
        }
        if (device != null) {
            builder.device(device);
        }
        options.forEach(builder::option);
        return builder.build();
    }

    /** Like {@code mlp.onnx on ort-cpu (FP32)}, for messages. */
    public String describe() {
        return modelPath + " on " + (backend != null ? backend : "the automatic backend") + " (" + precision + ")";
    }
}
