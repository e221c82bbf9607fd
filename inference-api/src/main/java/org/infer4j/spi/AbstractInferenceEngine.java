package org.infer4j.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.infer4j.Binding;
import org.infer4j.EngineClosedException;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.internal.InputCheck;
import org.jspecify.annotations.Nullable;

/**
 * The part of an engine every backend shares: input and output validation with messages that name
 * the tensor and give expected against actual, use-after-close protection that never lets a native
 * resource be freed under a running call, and a generic {@link Binding}. Subclasses implement
 * {@link #execute} and {@link #executeInto} on already-validated arguments, and {@link #release()}.
 *
 * <p><b>Asynchronous calls.</b> {@link #runAsync} queues requests on an {@link AsyncExecutor}
 * made on first use: at most {@code maxInFlight} requests accepted and not finished (the builder's
 * {@link org.infer4j.EngineBuilder#maxInFlight}), started in order by {@link #asyncThreads()}
 * worker threads. By default a worker runs a request through {@link #execute}, so
 * {@code asyncThreads()} requests run at once; backends with native asynchronous execution
 * override {@link #startAsync} to launch the work and complete the request later from a thread
 * of their own. A request holds the close guard from its start until it finishes, so
 * {@link #close()} never frees native memory under one.
 */
public abstract class AbstractInferenceEngine implements InferenceEngine {
    private final String backend;
    private final String modelName;
    private final List<TensorInfo> inputs;
    private final List<TensorInfo> outputs;
    private final Map<String, TensorInfo> inputsByName = new LinkedHashMap<>();
    private final Map<String, TensorInfo> outputsByName = new LinkedHashMap<>();
    private final CloseGuard guard;
    private final InputCheck inputCheck;
    private final int maxInFlight;
    private final Object asyncLock = new Object();
    private volatile @Nullable AsyncExecutor async;
    private boolean asyncClosed; // guarded by asyncLock

    /** An engine whose asynchronous calls keep at most {@link EngineConfig#DEFAULT_MAX_IN_FLIGHT} requests in flight. */
    protected AbstractInferenceEngine(String backend, String modelName, List<TensorInfo> inputs, List<TensorInfo> outputs) {
        this(backend, modelName, inputs, outputs, EngineConfig.DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * @param maxInFlight the most asynchronous requests accepted and not finished ({@link EngineConfig#maxInFlight()})
     * @throws IllegalArgumentException if {@code maxInFlight < 1}
     */
    protected AbstractInferenceEngine(String backend, String modelName, List<TensorInfo> inputs, List<TensorInfo> outputs,
                                      int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, not " + maxInFlight);
        }
        this.maxInFlight = maxInFlight;
        this.backend = backend;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        inputs.forEach(i -> inputsByName.put(i.name(), i));
        outputs.forEach(o -> outputsByName.put(o.name(), o));
        this.modelName = modelName;
        this.guard = new CloseGuard(backend + " engine for " + modelName);
        this.inputCheck = new InputCheck(this.inputs);
    }

    @Override
    public final String backend() {
        return backend;
    }

    @Override
    public final List<TensorInfo> inputs() {
        guard.ensureOpen();
        return inputs;
    }

    @Override
    public final List<TensorInfo> outputs() {
        guard.ensureOpen();
        return outputs;
    }

    @Override
    public final Outputs run(Map<String, ? extends Tensor> in) {
        guard.enter();
        try {
            checkInputs(in);
            return execute(in);
        } finally {
            guard.exit();
        }
    }

    @Override
    public final void run(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out) {
        guard.enter();
        try {
            checkInputs(in);
            checkOutputs(out);
            executeInto(in, out);
        } finally {
            guard.exit();
        }
    }

    /**
     * Queues the call on the engine's worker threads (see the class documentation). Invalid inputs
     * fail the returned future at once; the inputs are checked again when the request starts, as
     * the caller may have closed one meanwhile.
     */
    @Override
    public CompletableFuture<Outputs> runAsync(Map<String, ? extends Tensor> in) {
        Objects.requireNonNull(in, "inputs");
        guard.ensureOpen();
        try {
            checkInputs(in);
        } catch (InvalidInputException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        return asyncExecutor().submit(guarded(request -> {
            checkInputs(in);
            startAsync(in, request);
        }));
    }

    /**
     * Starts an asynchronous request on validated inputs, on a worker thread and inside the close
     * guard, which the request holds until it finishes. The default runs it here through
     * {@link #execute}; an override may launch the work and finish {@code request} later, from
     * another thread ({@link AsyncRequest#succeed}, {@link AsyncRequest#fail}). An exception thrown
     * here fails the request.
     */
    protected void startAsync(Map<String, ? extends Tensor> inputs, AsyncRequest<Outputs> request) {
        request.succeed(execute(inputs));
    }

    /**
     * How many worker threads start asynchronous requests: with the default {@link #startAsync},
     * how many run at once. Read once, on the first asynchronous call. The default is 2, so that one
     * request's host-side work overlaps another's inference.
     */
    protected int asyncThreads() {
        return 2;
    }

    /**
     * Runs {@code run} on a worker thread inside the close guard, as an asynchronous request of a
     * binding: queued behind earlier requests, counted among those in flight, failed with
     * {@link EngineClosedException} if the engine closes before it starts.
     *
     * @throws IllegalStateException if the engine is closed
     */
    protected final AsyncRequest<Void> runLater(Runnable run) {
        Objects.requireNonNull(run, "run");
        guard.ensureOpen();
        return asyncExecutor().submit(guarded(request -> {
            run.run();
            request.succeed(null);
        }));
    }

    /**
     * The executor of asynchronous calls, made on first use.
     *
     * @throws IllegalStateException if the engine is closed
     */
    protected final AsyncExecutor asyncExecutor() {
        AsyncExecutor a = async;
        if (a != null) {
            return a;
        }
        synchronized (asyncLock) {
            if (asyncClosed) {
                throw new IllegalStateException(guardName() + " is closed");
            }
            if (async == null) {
                async = new AsyncExecutor(guardName(), asyncThreads(), maxInFlight);
            }
            return async;
        }
    }

    /** Work that enters the close guard when it starts and leaves it when the request finishes. */
    private <T> AsyncRequest.AsyncWork<T> guarded(AsyncRequest.AsyncWork<T> work) {
        return request -> {
            try {
                guard.enter();
            } catch (IllegalStateException e) {
                request.fail(new EngineClosedException(guardName() + " was closed before this request started; it did not run"));
                return;
            }
            request.whenFinishing(guard::exit);
            work.start(request);
        };
    }

    private String guardName() {
        return backend + " engine for " + modelName;
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> in) {
        return bind(in, Map.of());
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out) {
        guard.enter();
        try {
            checkInputs(in);
            checkOutputs(out);
            return new DefaultBinding(this, in, out);
        } finally {
            guard.exit();
        }
    }

    @Override
    public Tensor allocate(String name, long... shape) {
        guard.ensureOpen();
        TensorInfo info = inputsByName.containsKey(name) ? inputsByName.get(name) : outputsByName.get(name);
        if (info == null) {
            throw new InvalidInputException("'" + name + "' is neither an input nor an output; inputs are " + inputs
                    + ", outputs are " + outputs);
        }
        Shape s = Shape.of(shape);
        if (!info.shape().accepts(s)) {
            throw new InvalidInputException(InputCheck.shapeMismatch("tensor", info, s));
        }
        return allocateHost(info, s);
    }

    /** Allocates host memory for {@link #allocate}; override to hand out page-locked memory. */
    protected Tensor allocateHost(TensorInfo info, Shape shape) {
        return Tensor.allocate(info.elementType(), shape.toArray());
    }

    /**
     * Fails queued asynchronous requests with {@link EngineClosedException}, waits for running
     * calls and requests, then frees the engine's resources.
     *
     * @throws IllegalStateException if called from a thread that completes this engine's
     *         asynchronous requests (a callback of one of its futures): it would wait for itself
     */
    @Override
    public final void close() {
        AsyncExecutor a;
        synchronized (asyncLock) {
            a = async;
            if (a != null && a.isCompletionThread()) {
                throw new IllegalStateException("close() of " + guardName() + " was called on the thread that completes its "
                        + "requests (in a callback of one of its futures), where it would wait for itself; close it from "
                        + "another thread, or attach the callback with thenRunAsync/whenCompleteAsync");
            }
            asyncClosed = true;
        }
        if (a != null) {
            a.shutdown();
        }
        if (guard.close()) {
            if (a != null) {
                a.stop();
            }
            release();
        }
    }

    /** Whether {@link #close()} has begun. */
    protected final boolean isClosed() {
        return guard.isClosed();
    }

    /** Runs on validated inputs and returns new outputs. Called inside the close guard. */
    protected abstract Outputs execute(Map<String, ? extends Tensor> inputs);

    /** Runs on validated inputs into the caller's validated outputs. Called inside the close guard. */
    protected abstract void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs);

    /** Frees native resources; called once, after every call in flight has returned. */
    protected abstract void release();

    /** Enters the close guard, for backend-specific entry points (their own bindings). Pair with {@link #exitCall()}. */
    protected final void enterCall() {
        guard.enter();
    }

    protected final void exitCall() {
        guard.exit();
    }

    // ---- validation -------------------------------------------------------------------------------

    /**
     * Checks a call's inputs against the model: every input present, no unknown name, open tensors
     * of the model's element type and a shape that fits its known dimensions, and equal sizes where
     * the model gives unknown dimensions one name.
     *
     * @throws InvalidInputException naming the first problem
     * @throws IllegalStateException if an input tensor is closed
     */
    protected final void checkInputs(Map<String, ? extends Tensor> in) {
        inputCheck.check(in);
    }

    /** Checks the caller's output tensors: known names, element type and a fitting shape. */
    protected final void checkOutputs(Map<String, ? extends Tensor> out) {
        Objects.requireNonNull(out, "outputs");
        for (Map.Entry<String, ? extends Tensor> e : out.entrySet()) {
            TensorInfo info = outputsByName.get(e.getKey());
            if (info == null) {
                throw new InvalidInputException("unknown output '" + e.getKey() + "'; the model's outputs are " + outputs);
            }
            InputCheck.checkTensor("output", info, e.getValue());
        }
    }

}
