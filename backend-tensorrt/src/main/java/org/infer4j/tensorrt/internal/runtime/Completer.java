package org.infer4j.tensorrt.internal.runtime;

import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.infer4j.spi.AsyncExecutor;
import org.infer4j.spi.AsyncRequest;
import org.infer4j.tensorrt.internal.nativeinterop.Cuda;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that finishes what asynchronous calls launched: for each launch, in launch order, it
 * waits for the slot's stream (the event it records, with blocking sync), copies the staged outputs
 * to the caller's tensors and hands the outcome on. While it waits for one slot, the launching
 * threads stage and enqueue the next requests on other slots, whose streams run concurrently with
 * it on the GPU: one request's upload and another's download overlap a third one's compute.
 * Thread-safe; the thread is a completion thread of the engine's {@link AsyncExecutor}.
 */
final class Completer {
    private static final Logger log = LoggerFactory.getLogger(Completer.class);

    /**
     * Launched work: the slot it runs on and its request (none for {@link #STOP}), and what to do when
     * it has finished or failed.
     */
    private record Launched(@Nullable ExecutionSlot slot, @Nullable AsyncRequest<?> request,
                            Consumer<@Nullable RuntimeException> then) {
    }

    private static final Launched STOP = new Launched(null, null, failure -> { });

    private final BlockingQueue<Launched> launched = new LinkedBlockingQueue<>();
    private final int device;

    /** Starts the thread on {@code executor}, for slots of {@code device}. */
    Completer(AsyncExecutor executor, int device) {
        this.device = device;
        executor.startCompletionThread("tensorrt-completer", this::loop);
    }

    /**
     * Takes work launched on {@code slot} for {@code request}: once it has finished, {@code then}
     * receives null, or the failure of the wait or of the output copies, and ends the request.
     * {@code then} runs on the completer thread; if it throws, the request fails with that exception,
     * so that no request is left running (an engine's close waits for every request that started).
     */
    void add(ExecutionSlot slot, AsyncRequest<?> request, Consumer<@Nullable RuntimeException> then) {
        launched.add(new Launched(slot, request, then));
    }

    /** Ends the thread after the work added before. */
    void stop() {
        launched.add(STOP);
    }

    private void loop() {
        Cuda.useDevice(device);
        while (true) {
            Launched next;
            try {
                next = launched.take();
            } catch (InterruptedException e) {
                log.warn("the TensorRT completion thread was interrupted; asynchronous calls of this engine now hang");
                return;
            }
            ExecutionSlot slot = next.slot();
            if (slot == null) { // STOP, the only entry without a slot
                return;
            }
            RuntimeException failure = null;
            try {
                slot.synchronize();
                slot.finishOutputs();
            } catch (RuntimeException e) {
                failure = e;
            }
            try {
                next.then().accept(failure);
            } catch (RuntimeException e) { // a bug in a completion; the thread must live on for the others
                log.error("completing an asynchronous TensorRT call failed", e);
                Objects.requireNonNull(next.request(), "a launch without a request").fail(e);
            }
        }
    }
}
