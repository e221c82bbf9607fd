package org.infer4j.cudagraphs.internal;

import org.infer4j.tensorrt.spi.GraphRunner;
import org.infer4j.tensorrt.spi.GraphRunnerFactory;

/** The {@link GraphRunnerFactory} the tensorrt backend finds with ServiceLoader. Thread-safe. */
public final class CudaGraphRunnerFactory implements GraphRunnerFactory {
    @Override
    public GraphRunner create(int capacity, String owner) {
        return new CudaGraphRunner(capacity, owner);
    }
}
