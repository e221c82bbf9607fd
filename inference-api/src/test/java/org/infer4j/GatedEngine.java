package org.infer4j;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.spi.AbstractInferenceEngine;
import org.jspecify.annotations.Nullable;

/**
 * A fake engine for the asynchronous, batching and routing tests: doubles x (FLOAT32 [?, 2]) into
 * y, counts its calls and the batch size of each, and refuses inputs with a negative value the way
 * a backend refuses what its own checks find (an {@link InvalidInputException} from inside the
 * call). While {@link #closeGate()} is in effect each call waits for a {@link #open(int) permit}
 * after announcing itself on {@link #started}, so tests hold calls running for as long as they need.
 */
class GatedEngine extends AbstractInferenceEngine {
    final int device;
    final AtomicInteger calls = new AtomicInteger();
    final List<Long> batchSizes = new CopyOnWriteArrayList<>();
    final Semaphore started = new Semaphore(0);
    final AtomicBoolean released = new AtomicBoolean();
    private final Semaphore gate = new Semaphore(0);
    private volatile boolean gated;
    private volatile @Nullable ShapeRange range;
    /** The shape of x in every call, in call order. */
    final List<Shape> shapes = new CopyOnWriteArrayList<>();

    GatedEngine() {
        this(0, org.infer4j.spi.EngineConfig.DEFAULT_MAX_IN_FLIGHT);
    }

    GatedEngine(int device, int maxInFlight) {
        this(device, maxInFlight, 2);
    }

    /** @param width the size of dimension 1 of x and y, or -1 for any */
    GatedEngine(int device, int maxInFlight, long width) {
        this(device, maxInFlight, Shape.of(-1, width), Shape.of(-1, width));
    }

    /** With the model's shapes of x and y given. */
    GatedEngine(int device, int maxInFlight, Shape x, Shape y) {
        super("gated", "doubling", List.of(new TensorInfo("x", ElementType.FLOAT32, x)),
                List.of(new TensorInfo("y", ElementType.FLOAT32, y)), maxInFlight);
        this.device = device;
    }

    /** Takes only shapes of x within {@code range}, as a compiled engine would. */
    GatedEngine accepting(ShapeRange range) {
        this.range = range;
        return this;
    }

    @Override
    public Optional<ShapeRange> shapeRange(String name) {
        return Optional.ofNullable(range);
    }

    /** From now on every call waits for a permit. */
    GatedEngine closeGate() {
        gated = true;
        return this;
    }

    /** Lets {@code calls} waiting or future calls through. */
    void open(int calls) {
        gate.release(calls);
    }

    /** Waits until {@code n} more calls have started. */
    void awaitStarted(int n) throws InterruptedException {
        started.acquire(n);
    }

    @Override
    protected Outputs execute(Map<String, ? extends Tensor> inputs) {
        Tensor x = inputs.get("x");
        Tensor y = Tensor.allocate(ElementType.FLOAT32, x.shape().toArray());
        try {
            executeInto(inputs, Map.of("y", y));
        } catch (RuntimeException e) {
            y.close();
            throw e;
        }
        return Outputs.of(Map.of("y", y));
    }

    @Override
    protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        calls.incrementAndGet();
        Tensor x = inputs.get("x");
        batchSizes.add(x.shape().dim(0));
        shapes.add(x.shape());
        started.release();
        if (gated) {
            gate.acquireUninterruptibly();
        }
        float[] values = x.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0) {
                throw new InvalidInputException("x holds " + values[i] + "; this engine takes no negative values");
            }
            values[i] *= 2;
        }
        outputs.get("y").buffer().asFloatBuffer().put(values);
    }

    @Override
    protected void release() {
        released.set(true);
    }

    /** x of {@code rows} rows [r, r + 0.5] starting at {@code first}. */
    static Tensor rows(float first, int rows) {
        float[] v = new float[rows * 2];
        for (int r = 0; r < rows; r++) {
            v[2 * r] = first + r;
            v[2 * r + 1] = first + r + 0.5f;
        }
        return Tensor.of(v, rows, 2);
    }

    /** What the engine makes of {@link #rows}. */
    static float[] doubled(float first, int rows) {
        float[] v = new float[rows * 2];
        for (int r = 0; r < rows; r++) {
            v[2 * r] = 2 * (first + r);
            v[2 * r + 1] = 2 * (first + r + 0.5f);
        }
        return v;
    }
}
