/**
 * The infer4j public API: build an {@link org.infer4j.InferenceEngine} for an ONNX model with
 * {@link org.infer4j.EngineBuilder}, feed it {@link org.infer4j.Tensor}s, and see which backends can
 * run here with {@link org.infer4j.Backends}.
 */
@NullMarked
package org.infer4j;

import org.jspecify.annotations.NullMarked;
