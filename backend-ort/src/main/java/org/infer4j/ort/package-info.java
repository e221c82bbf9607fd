/**
 * ONNX Runtime backends for infer4j: {@code ort-cpu}, {@code ort-cuda} and {@code ort-tensorrt},
 * tuned through {@link org.infer4j.ort.OrtSettings}.
 */
@NullMarked
package org.infer4j.ort;

import org.jspecify.annotations.NullMarked;
