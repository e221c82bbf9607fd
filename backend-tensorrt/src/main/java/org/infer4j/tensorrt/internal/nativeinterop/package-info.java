/**
 * The plumbing between Java and the native CUDA and TensorRT libraries, shared by the other
 * packages of the backend: loading the native stack and saying what is missing, CUDA status codes
 * as exceptions, deleting TensorRT objects, TensorRT's log, and TensorRT's data types. Depends on
 * no other package of the backend. Not an API.
 */
@NullMarked
package org.infer4j.tensorrt.internal.nativeinterop;

import org.jspecify.annotations.NullMarked;
