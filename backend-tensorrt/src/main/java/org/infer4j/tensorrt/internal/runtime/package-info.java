/**
 * Running a deserialised engine: the {@code InferenceEngine} with its pool of execution slots
 * (each a TensorRT execution context on a CUDA stream of its own), bindings, device and
 * page-locked host tensors, and the optional CUDA-graph replay. Uses {@code build} (the profile an
 * engine was built with), {@code onnx} (the model's inputs and outputs) and {@code nativeinterop}.
 * Not an API.
 */
@NullMarked
package org.infer4j.tensorrt.internal.runtime;

import org.jspecify.annotations.NullMarked;
