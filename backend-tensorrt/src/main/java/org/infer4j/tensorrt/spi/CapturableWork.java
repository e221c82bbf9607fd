package org.infer4j.tensorrt.spi;

import org.bytedeco.cuda.cudart.CUstream_st;

/**
 * One inference of an execution context as a sequence of asynchronous operations on its own CUDA
 * stream (host-to-device copies from fixed page-locked staging, {@code enqueueV3}, device-to-host
 * copies to fixed staging), with every address and shape already bound: enqueuing it while the
 * stream captures records exactly that inference. Host-side staging happens before and after, outside.
 */
public interface CapturableWork {
    /** The stream {@link #enqueue()} uses; non-blocking, owned by the context. */
    CUstream_st stream();

    /** Enqueues the operations on {@link #stream()}; never synchronises. */
    void enqueue();

    /** Waits for everything enqueued on {@link #stream()}. */
    void synchronize();

    /** Describes the signature {@code signature} for messages (input shapes, fixed addresses). */
    String describe(long[] signature);
}
