/**
 * What the {@code tensorrt} backend reads of an ONNX model's bytes itself, on the CPU and without
 * TensorRT: a protobuf wire-format reader, the onnx.proto field numbers it uses, the graph's inputs
 * and outputs, the files its external data lies in, and the rewrite the model gets before
 * TensorRT's ONNX parser sees it. Depends on no other package of the backend. Not an API.
 */
@NullMarked
package org.infer4j.tensorrt.internal.onnx;

import org.jspecify.annotations.NullMarked;
