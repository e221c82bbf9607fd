package org.infer4j.tensorrt;

import java.time.Duration;

/**
 * Hears about a long TensorRT engine build (a ResNet-50 takes over a minute): TensorRT's
 * own informational messages as they come and a heartbeat every few seconds, each with the time
 * since the build began. Called on the building thread or on a timer thread, never concurrently;
 * implementations must be quick and must not throw.
 */
@FunctionalInterface
public interface BuildListener {

    /**
     * @param model the model being built, as in messages (its file name)
     * @param elapsed time since the build began
     * @param message what TensorRT is doing, or {@code "building"} for a heartbeat
     */
    void progress(String model, Duration elapsed, String message);
}
