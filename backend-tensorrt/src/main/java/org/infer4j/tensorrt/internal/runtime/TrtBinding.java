package org.infer4j.tensorrt.internal.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.spi.AbstractBinding;
import org.infer4j.spi.AsyncRequest;

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
final class TrtBinding extends AbstractBinding {
    private final TrtEngine engine;
    private final ExecutionSlot slot;
    private final List<Tensor> owned = new ArrayList<>();

    /** Holds {@code slot} until closed; hands it back to {@code engine} when this constructor throws. */
    TrtBinding(TrtEngine engine, ExecutionSlot slot, Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out) {
        super(engine, in, out);
        this.engine = engine;
        this.slot = slot;
        try {
            Shape[] shapes = slot.prepare(in);
            List<TensorInfo> infos = engine.outputs();
            for (int i = 0; i < infos.size(); i++) {
                TensorInfo info = infos.get(i);
                if (!outputs().containsKey(info.name())) {
                    Tensor mine = new PinnedHostTensor(info.elementType(), shapes[i]);
                    owned.add(mine);
                    outputs().put(info.name(), mine);
                }
            }
        } catch (RuntimeException e) {
            owned.forEach(Tensor::close);
            engine.handBack(this, slot);
            throw e;
        }
    }

    @Override
    protected void execute() {
        engine.enter();
        try {
            slot.run(inputs(), outputs(), null);
        } finally {
            engine.exit();
        }
    }

    /**
     * Launches the run on the binding's stream and returns; the request finishes, on the engine's
     * completion thread, once the outputs are written. Holds the engine open until then.
     */
    @Override
    protected AsyncRequest<Void> submit() {
        AsyncRequest<Void> request = new AsyncRequest<>(this::launch);
        request.start(); // running from here: there is no queue to cancel it from
        return request;
    }

    private void launch(AsyncRequest<Void> request) {
        engine.enter();
        request.whenFinishing(engine::exit);
        slot.bind(inputs(), outputs(), null);
        try {
            slot.launch();
        } catch (RuntimeException e) {
            slot.drain();
            throw e;
        }
        engine.completer().add(slot, request, failure -> {
            if (failure == null) {
                request.succeed(null);
            } else {
                request.fail(failure);
            }
        });
    }

    /**
     * Runs after any run in flight has finished, as the base class's close waits for it. Hands the
     * slot back, which waits for its stream and destroys the graphs that bake in this binding's
     * addresses, and only then frees the outputs it owns: in the other order a graph holding their
     * addresses outlived them, and a run racing the close (documented as not allowed, but a crash is
     * the worst answer) wrote into freed memory.
     */
    @Override
    protected void release() {
        try {
            engine.handBack(this, slot);
        } finally {
            owned.forEach(Tensor::close);
        }
    }
}
