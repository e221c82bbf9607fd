package org.infer4j.spark.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.infer4j.Binding;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * A test engine whose output {@code out} is a copy of its input {@code in}, of any element type and
 * declared shape. It records the shape of every run's input, the values of FLOAT32 inputs, and the
 * tensors it allocated, so that tests see how the scorer batches and frees.
 */
final class EchoEngine implements InferenceEngine {
    final List<long[]> runShapes = Collections.synchronizedList(new ArrayList<>());
    final List<float[]> runFloats = Collections.synchronizedList(new ArrayList<>());
    final List<Tensor> allocated = Collections.synchronizedList(new ArrayList<>());
    private final ElementType type;
    private final Shape shape;
    private volatile boolean closed;

    EchoEngine(ElementType type, long... shape) {
        this.type = type;
        this.shape = Shape.of(shape);
    }

    /** The signature the driver would read from this engine's model. */
    ModelSignature signature() {
        return new ModelSignature(inputs(), outputs());
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public String backend() {
        return "echo";
    }

    @Override
    public List<TensorInfo> inputs() {
        return List.of(new TensorInfo("in", type, shape));
    }

    @Override
    public List<TensorInfo> outputs() {
        return List.of(new TensorInfo("out", type, shape));
    }

    @Override
    public Outputs run(Map<String, ? extends Tensor> inputs) {
        if (closed) {
            throw new IllegalStateException("echo engine is closed");
        }
        Tensor in = inputs.get("in");
        runShapes.add(in.shape().toArray());
        if (type == ElementType.FLOAT32) {
            runFloats.add(in.toFloatArray());
        }
        Tensor out = Tensor.allocate(type, in.shape().toArray());
        out.copyFrom(in);
        return Outputs.of(Map.of("out", out));
    }

    @Override
    public void run(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        throw new UnsupportedOperationException("the scorer does not write into given outputs");
    }

    @Override
    public CompletableFuture<Outputs> runAsync(Map<String, ? extends Tensor> inputs) {
        throw new UnsupportedOperationException("the scorer runs synchronously");
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> inputs) {
        throw new UnsupportedOperationException("the scorer does not bind");
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        throw new UnsupportedOperationException("the scorer does not bind");
    }

    @Override
    public Tensor allocate(String name, long... tensorShape) {
        Tensor t = Tensor.allocate(type, tensorShape);
        allocated.add(t);
        return t;
    }

    @Override
    public void close() {
        closed = true;
    }
}
