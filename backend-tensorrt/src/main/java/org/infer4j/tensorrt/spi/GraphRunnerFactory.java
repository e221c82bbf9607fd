package org.infer4j.tensorrt.spi;

/**
 * Makes a {@link GraphRunner} per TensorRT execution context. Found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/org.infer4j.tensorrt.spi.GraphRunnerFactory});
 * {@code org.infer4j:backend-cuda-graphs} provides the implementation. Thread-safe.
 */
public interface GraphRunnerFactory {
    /** The Maven coordinates of the module that provides the implementation, for messages. */
    String ARTIFACT = "org.infer4j:backend-cuda-graphs";

    /**
     * A runner for one execution context.
     *
     * @param capacity the most graphs it keeps (LRU), at least 1
     * @param owner names the model and context in log lines
     */
    GraphRunner create(int capacity, String owner);
}
