package org.infer4j.spark.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.ModelLoadException;
import org.infer4j.Precision;
import org.infer4j.TensorInfo;

/**
 * A model's inputs and outputs, which the driver needs to check the DataFrame's columns and to give
 * the output columns their types before any task runs.
 *
 * <p>The signature is a property of the ONNX file, the same on every backend, so the driver reads it
 * with {@code ort-cpu} where that backend is available: it loads a model quickly and needs no GPU,
 * which drivers often lack, and never starts a TensorRT build. Without it the driver reads the signature
 * with the backend the executors will use. Signatures are kept per file (path, size and modification
 * time), so that planning a transform again does not reload the model.
 *
 * @param inputs the model's inputs, in model order
 * @param outputs the model's outputs, in model order
 */
public record ModelSignature(List<TensorInfo> inputs, List<TensorInfo> outputs) {
    /** The backend that reads signatures when it is available. */
    static final String SIGNATURE_BACKEND = "ort-cpu";

    private record FileVersion(Path path, long size, long modified) {
    }

    private static final Map<FileVersion, ModelSignature> READ = new ConcurrentHashMap<>();

    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * The signature of {@code spec}'s model, read in this JVM (the driver).
     *
     * @param spec the model and the backend the executors will use
     * @return the model's inputs and outputs
     * @throws ModelLoadException if the model file is missing or unreadable, or no backend loads it
     * @throws org.infer4j.BackendUnavailableException if neither ort-cpu nor the spec's backend can run here
     */
    public static ModelSignature of(EngineSpec spec) {
        Path path = Path.of(spec.modelPath()).toAbsolutePath();
        FileVersion version;
        try {
            version = new FileVersion(path, Files.size(path), Files.getLastModifiedTime(path).toMillis());
        } catch (IOException e) {
            throw new ModelLoadException("cannot read the model file " + path + " on the driver (" + e
                    + "); give a path that the driver and every executor can read", e);
        }
        return READ.computeIfAbsent(version, v -> read(spec));
    }

    private static ModelSignature read(EngineSpec spec) {
        boolean cpuReader = Backends.discover().statuses().stream()
                .anyMatch(s -> s.name().equals(SIGNATURE_BACKEND) && s.isAvailable());
        EngineSpec reader = cpuReader ? new EngineSpec(spec.modelPath(), SIGNATURE_BACKEND, Precision.FP32, Map.of()) : spec;
        try (InferenceEngine engine = reader.build(null)) {
            return new ModelSignature(engine.inputs(), engine.outputs());
        }
    }
}
