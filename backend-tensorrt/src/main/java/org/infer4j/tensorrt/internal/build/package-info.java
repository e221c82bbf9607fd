/**
 * Turning an ONNX model into a serialised TensorRT engine, and keeping it: the optimisation
 * profile, the build itself (parser, builder configuration, timing cache, progress reports), the
 * key that decides whether a cached engine can be reused, and the checked on-disk cache. Uses
 * {@code onnx} and {@code nativeinterop}. Not an API.
 */
@NullMarked
package org.infer4j.tensorrt.internal.build;

import org.jspecify.annotations.NullMarked;
