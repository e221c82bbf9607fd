/**
 * The {@code tensorrt} backend's implementation; not an API. This package holds the provider that
 * {@code ServiceLoader} finds, which ties the others together: {@code onnx} reads and rewrites the
 * model's bytes, {@code build} compiles and caches engines, {@code runtime} runs them, and
 * {@code nativeinterop} loads and wraps the native libraries every other package calls. Each
 * depends only on those after it in that list.
 */
@NullMarked
package org.infer4j.tensorrt.internal;

import org.jspecify.annotations.NullMarked;
