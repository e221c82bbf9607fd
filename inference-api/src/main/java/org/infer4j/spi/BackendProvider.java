package org.infer4j.spi;

import org.infer4j.Availability;
import org.infer4j.InferenceEngine;

/**
 * Makes engines of one backend. Found with {@link java.util.ServiceLoader}; one instance per
 * discovery, so implementations keep a public no-argument constructor and do nothing costly in it.
 * Implementations must be thread-safe.
 */
public interface BackendProvider {

    /** The name users pick the backend by, lower-case with dashes, e.g. {@code ort-cuda}. */
    String name();

    /**
     * Rank in the automatic choice: the available backend with the highest priority wins. The
     * built-in ones use 1000 (tensorrt), 900 (ort-tensorrt), 500 (ort-cuda) and 100 (ort-cpu).
     */
    int priority();

    /** One line for the backend list, e.g. "ONNX Runtime 1.29.0, CUDA execution provider". */
    String description();

    /**
     * Whether the backend can run here, and if not exactly why. Must not throw, even when native
     * libraries are missing: load them inside and turn failures into {@link Availability#unavailable}.
     * May be called often; cache what is costly to find out.
     */
    Availability availability();

    /**
     * How many devices this backend can run engines on here, for
     * {@link org.infer4j.EngineBuilder#allDevices()}: the CUDA devices visible to the process for GPU
     * backends. The default, 1, suits CPU backends and backends that cannot count their devices.
     * Called only when {@link #availability()} is available.
     */
    default int deviceCount() {
        return 1;
    }

    /**
     * Loads the model. Called only when {@link #availability()} is available.
     *
     * @throws org.infer4j.ModelLoadException if the model cannot be read or compiled
     * @throws org.infer4j.BackendUnavailableException if the requested device cannot be used
     */
    InferenceEngine create(EngineConfig config);
}
