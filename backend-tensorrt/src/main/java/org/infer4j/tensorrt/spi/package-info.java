/**
 * The extension point through which {@code org.infer4j:backend-cuda-graphs} replays the work of
 * the {@code tensorrt} backend's execution contexts as CUDA graphs. Not for applications: they
 * ask for graphs with {@code EngineBuilder.cudaGraphs(true)} and put that module on the class
 * path.
 */
@NullMarked
package org.infer4j.tensorrt.spi;

import org.jspecify.annotations.NullMarked;
