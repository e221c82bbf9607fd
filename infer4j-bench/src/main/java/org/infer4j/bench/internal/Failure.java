package org.infer4j.bench.internal;

import org.jspecify.annotations.Nullable;

/**
 * A run that could not be made: the engine did not build (e.g. FP16 on a backend without it) or
 * the inference failed. Immutable.
 *
 * @param shapes the input shapes of the failed run, or null when the engine itself failed
 */
public record Failure(String model, String backend, String precision, @Nullable String shapes, String message) {
}
