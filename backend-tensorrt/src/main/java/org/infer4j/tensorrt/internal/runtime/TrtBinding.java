package org.infer4j.tensorrt.internal.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.infer4j.Binding;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.spi.AsyncRequest;
import org.infer4j.spi.CloseGuard;

/**
 * Inputs and outputs bound to an execution slot of their own: the input shapes are fixed at bind
 * time, so the outputs are allocated then (page-locked) and every {@link #run()} only stages,
 * enqueues and synchronises. Holds its slot, which the engine owns, until it closes, and owns the
 * outputs it allocated. Not thread-safe.
 *
 * <p>A slot handed back loses the graphs it captured for this binding: they bake in the addresses
 * of its tensors, which the caller may free once the binding is closed, and a graph that copies
 * from freed page-locked memory can crash the driver when a new tensor lies at the same address.
 *
 * <p>With CUDA graphs the bound tensors are the same objects on every run, so the graph bakes in
 * the addresses of device tensors and page-locked host tensors: one capture, then replays.
 *
 * <p>{@link #runAsync()} stages and enqueues the run on the binding's stream before it returns;
 * the engine's {@link Completer} finishes it. Two bindings run asynchronously in turn keep the GPU
 * busy with one while the other's outputs are read and its inputs written.
 */
final class TrtBinding implements Binding {
    private final TrtEngine engine;
    private final ExecutionSlot slot;
    private final Map<String, Tensor> inputs;
    private final Map<String, Tensor> outputs = new LinkedHashMap<>();
    private final List<Tensor> owned = new ArrayList<>();
    /** Lets close wait for a run in flight on another thread instead of freeing under it. */
    private final CloseGuard guard = new CloseGuard("this binding");
    /** Whether a run of {@link #runAsync()} has not finished: the slot and tensors are its until then. */
    private final AtomicBoolean inFlight = new AtomicBoolean();

    /** Holds {@code slot} until closed; hands it back to {@code engine} when this constructor throws. */
    TrtBinding(TrtEngine engine, ExecutionSlot slot, Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out) {
        this.engine = engine;
        this.slot = slot;
        this.inputs = Map.copyOf(in);
        try {
            Shape[] shapes = slot.prepare(in);
            List<TensorInfo> infos = engine.outputs();
            for (int i = 0; i < infos.size(); i++) {
                TensorInfo info = infos.get(i);
                Tensor given = out.get(info.name());
                if (given != null) {
                    outputs.put(info.name(), given);
                } else {
                    Tensor mine = new PinnedHostTensor(info.elementType(), shapes[i]);
                    owned.add(mine);
                    outputs.put(info.name(), mine);
                }
            }
        } catch (RuntimeException e) {
            owned.forEach(Tensor::close);
            engine.handBack(this, slot);
            throw e;
        }
    }

    @Override
    public void run() {
        guard.enter();
        try {
            requireNoneInFlight();
            engine.enter();
            try {
                slot.run(inputs, outputs, null);
            } finally {
                engine.exit();
            }
        } finally {
            guard.exit();
        }
    }

    /**
     * Launches the run on the binding's stream and returns; the future completes, on the engine's
     * completion thread, once the outputs are written. Holds the binding and the engine open until then.
     */
    @Override
    public CompletableFuture<Void> runAsync() {
        guard.enter();
        if (!inFlight.compareAndSet(false, true)) {
            guard.exit();
            throw inFlightError();
        }
        AsyncRequest<Void> request = new AsyncRequest<>(this::launch);
        request.whenFinishing(() -> {
            inFlight.set(false);
            guard.exit();
        });
        request.start(); // running from here: there is no queue to cancel it from
        return request;
    }

    private void launch(AsyncRequest<Void> request) {
        engine.enter();
        request.whenFinishing(engine::exit);
        slot.bind(inputs, outputs, null);
        try {
            slot.launch();
        } catch (RuntimeException e) {
            slot.drain();
            throw e;
        }
        engine.completer().add(slot, failure -> {
            if (failure == null) {
                request.succeed(null);
            } else {
                request.fail(failure);
            }
        });
    }

    private void requireNoneInFlight() {
        if (inFlight.get()) {
            throw inFlightError();
        }
    }

    private static IllegalStateException inFlightError() {
        return new IllegalStateException("a run of this binding is in flight; wait for the future of runAsync() before "
                + "running it again, or use a second binding to overlap runs");
    }

    @Override
    public Tensor input(String name) {
        ensureOpen();
        Tensor t = inputs.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no input named '" + name + "'; inputs are " + inputs.keySet());
        }
        return t;
    }

    @Override
    public Tensor output(String name) {
        ensureOpen();
        Tensor t = outputs.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no output named '" + name + "'; outputs are " + outputs.keySet());
        }
        return t;
    }

    /**
     * Waits for a run in flight, then hands the slot back, which waits for its stream and destroys
     * the graphs that bake in this binding's addresses, and only then frees the outputs it owns: in
     * the other order a graph holding their addresses outlived them, and a run racing the close
     * (documented as not allowed, but a crash is the worst answer) wrote into freed memory.
     */
    @Override
    public void close() {
        if (!guard.close()) {
            return;
        }
        try {
            engine.handBack(this, slot);
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    private void ensureOpen() {
        guard.ensureOpen();
    }
}
