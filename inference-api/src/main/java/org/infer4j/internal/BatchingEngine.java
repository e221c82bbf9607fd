package org.infer4j.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.infer4j.BatchListener;
import org.infer4j.Binding;
import org.infer4j.DynamicBatching;
import org.infer4j.EngineClosedException;
import org.infer4j.EngineStats;
import org.infer4j.InferenceEngine;
import org.infer4j.InferenceException;
import org.infer4j.InvalidInputException;
import org.infer4j.MemoryLocation;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.spi.AsyncRequest;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic batching in front of an engine: concurrent {@link #run}/{@link #runAsync} requests wait
 * in a queue, and one batching thread merges those whose inputs agree in every dimension but the
 * first into one call of the engine, at most {@code maxBatch} rows, as soon as the batch is full or
 * the oldest request has waited {@code maxQueueDelay}, then splits the outputs back by rows.
 *
 * <ul>
 *   <li>Each request is checked against the model (and the engine's shape range, where it has one)
 *       before it is queued: a bad request fails alone and never joins a batch.</li>
 *   <li>A merged call the engine refuses with {@link InvalidInputException} is run again request
 *       by request, so that only the request at fault fails.</li>
 *   <li>Requests of other non-batch shapes (another sequence length, say) are never merged
 *       together; each shape's requests are batched in arrival order.</li>
 *   <li>A single request larger than {@code maxBatch} runs alone.</li>
 *   <li>Bindings and {@link #allocate} go to the engine directly: a binding's shapes are fixed,
 *       there is nothing to merge.</li>
 * </ul>
 *
 * <p>A request is running once it joins a batch: cancel stops it only before. Close fails queued
 * requests with {@link EngineClosedException}, lets the batches in flight finish, then closes the
 * engine. As for any engine, a caller's input tensors are read until its future completes.
 * Thread-safe.
 */
public final class BatchingEngine implements InferenceEngine {
    private static final Logger log = LoggerFactory.getLogger(BatchingEngine.class);

    private final InferenceEngine engine;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final @Nullable BatchListener listener;
    private final List<TensorInfo> inputs;
    private final List<TensorInfo> outputs;
    private final InputCheck check;
    /** The engine's range per input, in model order; null where it takes every shape the model accepts. */
    private final @Nullable ShapeRange[] ranges;
    private final int maxInFlight;
    private final Semaphore room;
    private final Semaphore batchRoom;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition queueChanged = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean closed; // guarded by lock
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Thread dispatcher;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong retriedAlone = new AtomicLong();

    /** A request in the queue: its future, inputs, non-batch dimensions, rows and arrival time. */
    private record Pending(AsyncRequest<Outputs> future, Map<String, Tensor> inputs, long[] shapeKey, long rows,
                           long arrivedNanos) {
    }

    private BatchingEngine(InferenceEngine engine, DynamicBatching settings, int maxInFlight) {
        this.engine = engine;
        this.maxBatch = settings.maxBatch();
        this.maxDelayNanos = settings.maxQueueDelay().toNanos();
        this.listener = settings.listener();
        this.inputs = engine.inputs();
        this.outputs = engine.outputs();
        this.check = new InputCheck(inputs);
        this.ranges = new ShapeRange[inputs.size()];
        for (int i = 0; i < ranges.length; i++) {
            ranges[i] = engine.shapeRange(inputs.get(i).name()).orElse(null);
        }
        requireBatchDimension();
        this.maxInFlight = maxInFlight;
        this.room = new Semaphore(maxInFlight);
        this.batchRoom = new Semaphore(settings.batchesInFlight());
        this.dispatcher = new Thread(this::dispatchLoop, "infer4j-batching (" + engine.backend() + ")");
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    /**
     * Puts dynamic batching in front of {@code engine}, which it owns from here (and closes, also
     * when this throws).
     *
     * @param maxInFlight the most requests accepted and not finished; {@code runAsync} waits beyond it
     * @throws InvalidInputException if an input or output of the model has a fixed first dimension,
     *         or the engine's shape range of an input stops below {@code maxBatch}
     */
    public static InferenceEngine wrap(InferenceEngine engine, DynamicBatching settings, int maxInFlight) {
        try {
            return new BatchingEngine(engine, settings, maxInFlight);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    private void requireBatchDimension() {
        List<TensorInfo> all = new ArrayList<>(inputs);
        all.addAll(outputs);
        for (TensorInfo info : all) {
            if (info.shape().rank() == 0 || info.shape().dim(0) != Shape.UNKNOWN) {
                throw new InvalidInputException("dynamic batching merges requests along dimension 0, which must be of unknown "
                        + "size in every input and output, but " + (inputs.contains(info) ? "input " : "output ") + info
                        + " has " + (info.shape().rank() == 0 ? "no dimensions" : "a fixed one") + "; export the model with a "
                        + "dynamic batch dimension, or build without dynamicBatching");
            }
        }
        for (int i = 0; i < ranges.length; i++) {
            ShapeRange r = ranges[i];
            if (r != null && r.max().dim(0) < maxBatch) {
                throw new InvalidInputException("dynamic batching up to " + maxBatch + " rows needs an engine that takes them, but "
                        + "the engine's range for input '" + inputs.get(i).name() + "' is " + r + "; give a range up to "
                        + maxBatch + " with EngineBuilder.shapeRange(\"" + inputs.get(i).name() + "\", ...) or a smaller maxBatch");
            }
        }
    }

    @Override
    public String backend() {
        return engine.backend();
    }

    @Override
    public List<TensorInfo> inputs() {
        ensureOpen();
        return inputs;
    }

    @Override
    public List<TensorInfo> outputs() {
        ensureOpen();
        return outputs;
    }

    @Override
    public Optional<ShapeRange> shapeRange(String name) {
        return engine.shapeRange(name);
    }

    /** Queues the request for the next batch of its shape and waits for the outputs. */
    @Override
    public Outputs run(Map<String, ? extends Tensor> in) {
        CompletableFuture<Outputs> future = runAsync(in);
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (!future.cancel(false)) {
                future.thenAccept(Outputs::close); // it runs on: whatever it produces has nobody else to close it
            }
            throw new InferenceException("interrupted while waiting for a batched call of " + engine.backend(), e);
        } catch (ExecutionException e) {
            throw rethrown(e.getCause());
        }
    }

    @Override
    public void run(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out) {
        Objects.requireNonNull(out, "outputs");
        for (String name : out.keySet()) {
            if (outputs.stream().noneMatch(o -> o.name().equals(name))) {
                throw new InvalidInputException("unknown output '" + name + "'; the model's outputs are " + outputs);
            }
        }
        try (Outputs produced = run(in)) {
            out.forEach((name, target) -> target.copyFrom(produced.get(name)));
        }
    }

    @Override
    public CompletableFuture<Outputs> runAsync(Map<String, ? extends Tensor> in) {
        Objects.requireNonNull(in, "inputs");
        ensureOpen();
        long rows;
        try {
            check.check(in);
            rows = rowsOf(in);
        } catch (InvalidInputException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            room.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException("interrupted while waiting for room among the " + maxInFlight
                    + " requests in flight of the batching " + engine.backend() + " engine", e);
        }
        // started by the batching thread when it joins a batch; the batch does the work
        AsyncRequest<Outputs> future = new AsyncRequest<>(request -> { });
        future.whenFinishing(room::release);
        Pending pending = new Pending(future, Map.copyOf(in), shapeKey(in), rows, System.nanoTime());
        lock.lock();
        try {
            if (closed) {
                room.release();
                throw closedError();
            }
            queue.add(pending);
            queueChanged.signal();
        } finally {
            lock.unlock();
        }
        return future;
    }

    /** Bindings bypass the batching: their shapes are fixed, so there is nothing to merge. */
    @Override
    public Binding bind(Map<String, ? extends Tensor> in) {
        ensureOpen();
        return engine.bind(in);
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> in, Map<String, ? extends Tensor> out) {
        ensureOpen();
        return engine.bind(in, out);
    }

    @Override
    public Tensor allocate(String name, long... shape) {
        ensureOpen();
        return engine.allocate(name, shape);
    }

    /**
     * The engine's counters and notes, and the batching's: {@code batching.requests},
     * {@code batching.batches}, {@code batching.samples} (rows of all batches), {@code batching.retriedAlone}
     * (requests run again alone after their batch was refused) and {@code batching.maxBatch}.
     */
    @Override
    public EngineStats stats() {
        EngineStats inner = engine.stats();
        Map<String, Long> counters = new LinkedHashMap<>(inner.counters());
        counters.put("batching.requests", requests.get());
        counters.put("batching.batches", batches.get());
        counters.put("batching.samples", samples.get());
        counters.put("batching.retriedAlone", retriedAlone.get());
        counters.put("batching.maxBatch", (long) maxBatch);
        return new EngineStats(counters, inner.notes());
    }

    /**
     * Fails queued requests with {@link EngineClosedException}, waits for the batching thread to
     * hand over what it has taken, then closes the engine, which finishes the batches in flight.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        List<Pending> pending;
        lock.lock();
        try {
            closed = true;
            pending = new ArrayList<>(queue);
            queue.clear();
            queueChanged.signalAll();
        } finally {
            lock.unlock();
        }
        for (Pending p : pending) {
            p.future().abandon(new EngineClosedException("the batching " + engine.backend() + " engine was closed before this "
                    + "request joined a batch; it did not run"));
        }
        room.release(); // wakes a submitter waiting for room, which passes it on after refusing itself
        if (Thread.currentThread() != dispatcher) {
            boolean interrupted = false;
            while (dispatcher.isAlive()) {
                try {
                    dispatcher.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        engine.close();
    }

    // ---- checks ----------------------------------------------------------------------------------

    /** The request's size along dimension 0, the same for every input, within the engine's range. */
    private long rowsOf(Map<String, ? extends Tensor> in) {
        long rows = -1;
        String first = null;
        for (int i = 0; i < inputs.size(); i++) {
            TensorInfo info = inputs.get(i);
            Tensor t = Objects.requireNonNull(in.get(info.name()), "checked present");
            if (t.location() != MemoryLocation.HOST) {
                throw new InvalidInputException("input '" + info.name() + "' is " + t.describe() + "; dynamic batching merges "
                        + "host tensors: pass host tensors, or use an engine built without dynamicBatching");
            }
            long n = t.shape().dim(0);
            if (first == null) {
                rows = n;
                first = info.name();
            } else if (n != rows) {
                throw new InvalidInputException("dynamic batching merges requests along dimension 0, so every input needs the "
                        + "same size there, but input '" + info.name() + "' has " + n + " (shape " + t.shape() + ") and input '"
                        + first + "' has " + rows);
            }
            ShapeRange r = ranges[i];
            if (r != null && !r.contains(t.shape())) {
                throw new InvalidInputException("input '" + info.name() + "' has shape " + t.shape() + " but the " + engine.backend()
                        + " engine takes " + r + "; give a wider range with EngineBuilder.shapeRange(\"" + info.name() + "\", ...)");
            }
        }
        return rows;
    }

    /** The request's dimensions other than the first, of every input in model order: requests merge only when equal. */
    private long[] shapeKey(Map<String, ? extends Tensor> in) {
        int length = 0;
        for (TensorInfo info : inputs) {
            length += info.shape().rank() - 1;
        }
        long[] key = new long[length];
        int k = 0;
        for (TensorInfo info : inputs) {
            Shape s = Objects.requireNonNull(in.get(info.name()), "checked present").shape();
            for (int d = 1; d < s.rank(); d++) {
                key[k++] = s.dim(d);
            }
        }
        return key;
    }

    // ---- the batching thread -----------------------------------------------------------------------

    private void dispatchLoop() {
        while (true) {
            batchRoom.acquireUninterruptibly();
            List<Pending> taken = nextBatch();
            if (taken == null) {
                batchRoom.release();
                return;
            }
            List<Pending> batch = new ArrayList<>(taken.size());
            for (Pending p : taken) {
                if (p.future().start()) { // false for one cancelled since it was taken
                    batch.add(p);
                }
            }
            if (batch.isEmpty()) {
                batchRoom.release();
            } else {
                dispatch(batch);
            }
        }
    }

    /**
     * Waits for the next batch: the oldest request with those after it of the same shape, in
     * arrival order, up to {@code maxBatch} rows, once that is full or the oldest has waited
     * {@code maxQueueDelay}. Returns null once closed with nothing queued.
     */
    private @Nullable List<Pending> nextBatch() {
        lock.lock();
        try {
            while (true) {
                while (!queue.isEmpty() && !queue.peekFirst().future().isQueued()) {
                    queue.pollFirst(); // cancelled while queued
                }
                if (queue.isEmpty()) {
                    if (closed) {
                        return null;
                    }
                    queueChanged.awaitUninterruptibly();
                    continue;
                }
                Pending oldest = queue.peekFirst();
                List<Pending> chosen = new ArrayList<>();
                long rows = 0;
                boolean full = false;
                for (Pending p : queue) {
                    if (!p.future().isQueued() || !Arrays.equals(p.shapeKey(), oldest.shapeKey())) {
                        continue;
                    }
                    if (!chosen.isEmpty() && rows + p.rows() > maxBatch) {
                        full = true;
                        break;
                    }
                    chosen.add(p);
                    rows += p.rows();
                    if (rows >= maxBatch) {
                        full = true;
                        break;
                    }
                }
                long wait = oldest.arrivedNanos() + maxDelayNanos - System.nanoTime();
                if (full || wait <= 0) {
                    for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
                        Pending p = it.next();
                        if (chosen.stream().anyMatch(c -> c == p)) {
                            it.remove();
                        }
                    }
                    return chosen;
                }
                try {
                    queueChanged.awaitNanos(wait);
                } catch (InterruptedException e) {
                    log.debug("the batching thread ignores an interrupt; close() ends it");
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Merges the batch, hands it to the engine, and splits the outputs back when it completes; never throws. */
    private void dispatch(List<Pending> batch) {
        long rows = 0;
        for (Pending p : batch) {
            rows += p.rows();
        }
        requests.addAndGet(batch.size());
        batches.incrementAndGet();
        samples.addAndGet(rows);
        tellListener(batch, rows);
        boolean alone = batch.size() == 1;
        Map<String, Tensor> merged = null;
        CompletableFuture<Outputs> call;
        try {
            merged = alone ? batch.get(0).inputs() : merge(batch, rows);
            call = engine.runAsync(merged);
        } catch (RuntimeException e) {
            if (!alone && merged != null) {
                merged.values().forEach(Tensor::close);
            }
            batchRoom.release();
            failAll(batch, e instanceof IllegalStateException ? new EngineClosedException("the " + engine.backend()
                    + " engine closed before this request's batch started; it did not run") : e);
            return;
        }
        Map<String, Tensor> mergedInputs = merged;
        long totalRows = rows;
        call.whenComplete((out, failure) -> {
            if (!alone) {
                mergedInputs.values().forEach(Tensor::close);
            }
            batchRoom.release(); // before completing anything: a callback may close this engine, which waits for the batching thread
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause == null) {
                split(batch, out, totalRows, alone);
            } else if (!alone && cause instanceof InvalidInputException) {
                retryAlone(batch);
            } else {
                failAll(batch, cause);
            }
        });
    }

    /** New tensors holding every request's rows in turn, per input. */
    private Map<String, Tensor> merge(List<Pending> batch, long rows) {
        Map<String, Tensor> merged = new LinkedHashMap<>();
        try {
            for (TensorInfo info : inputs) {
                long[] shape = input(batch.get(0), info).shape().toArray();
                shape[0] = rows;
                Tensor t = Tensor.allocate(info.elementType(), shape);
                merged.put(info.name(), t);
                ByteBuffer target = t.buffer();
                for (Pending p : batch) {
                    target.put(input(p, info).buffer());
                }
            }
            return merged;
        } catch (RuntimeException e) {
            merged.values().forEach(Tensor::close);
            throw e;
        }
    }

    /** The request's tensor for {@code info}: present, as every request was checked before it was queued. */
    private static Tensor input(Pending p, TensorInfo info) {
        return Objects.requireNonNull(p.inputs().get(info.name()), "checked present");
    }

    /** Hands each request its rows of every output, in batch order; the batch's outputs are closed. */
    private void split(List<Pending> batch, Outputs out, long rows, boolean alone) {
        if (alone) {
            batch.get(0).future().succeed(out);
            return;
        }
        int done = 0;
        try (out) {
            for (TensorInfo info : outputs) {
                Tensor t = out.get(info.name());
                if (t.shape().dim(0) != rows) {
                    throw new InferenceException("output '" + info.name() + "' of a batch of " + rows + " rows has shape "
                            + t.shape() + ", not " + rows + " rows: the model's first output dimension is not the batch, so "
                            + "build without dynamicBatching");
                }
            }
            long offset = 0;
            for (Pending p : batch) {
                p.future().succeed(rowsOf(out, offset, p.rows()));
                offset += p.rows();
                done++;
            }
        } catch (RuntimeException e) {
            failAll(batch.subList(done, batch.size()), e);
        }
    }

    /** Rows {@code offset} to {@code offset + count} of every output, as new tensors. */
    private Outputs rowsOf(Outputs out, long offset, long count) {
        Map<String, Tensor> mine = new LinkedHashMap<>();
        try {
            for (TensorInfo info : outputs) {
                Tensor all = out.get(info.name());
                long rows = all.shape().dim(0);
                long rowBytes = rows == 0 ? 0 : all.byteSize() / rows;
                long[] shape = all.shape().toArray();
                shape[0] = count;
                Tensor part = Tensor.allocate(info.elementType(), shape);
                mine.put(info.name(), part);
                ByteBuffer source = all.buffer();
                source.position(Math.toIntExact(offset * rowBytes)).limit(Math.toIntExact((offset + count) * rowBytes));
                part.buffer().put(source);
            }
            return Outputs.of(mine);
        } catch (RuntimeException e) {
            mine.values().forEach(Tensor::close);
            throw e;
        }
    }

    /** After the engine refused a merged call: each request on its own, so that only the one at fault fails. */
    private void retryAlone(List<Pending> batch) {
        retriedAlone.addAndGet(batch.size());
        for (Pending p : batch) {
            CompletableFuture<Outputs> call;
            try {
                call = engine.runAsync(p.inputs());
            } catch (RuntimeException e) {
                p.future().fail(e);
                continue;
            }
            call.whenComplete((out, failure) -> {
                if (failure == null) {
                    p.future().succeed(out);
                } else {
                    p.future().fail(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
                }
            });
        }
    }

    private static void failAll(List<Pending> batch, Throwable failure) {
        for (Pending p : batch) {
            p.future().fail(failure);
        }
    }

    private void tellListener(List<Pending> batch, long rows) {
        BatchListener l = listener;
        if (l == null) {
            return;
        }
        try {
            long now = System.nanoTime();
            l.onBatch(batch.size(), rows);
            for (Pending p : batch) {
                l.onQueueDelay(now - p.arrivedNanos());
            }
        } catch (RuntimeException e) {
            log.warn("a BatchListener threw; batching goes on", e);
        }
    }

    private static RuntimeException rethrown(@Nullable Throwable cause) {
        if (cause == null) {
            return new InferenceException("a batched call failed without a cause");
        }
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new InferenceException("a batched call failed: " + cause, cause);
    }

    private void ensureOpen() {
        if (closing.get()) {
            throw closedError();
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("the batching " + engine.backend() + " engine is closed");
    }
}
