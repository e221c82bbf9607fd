package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.infer4j.spi.AsyncRequest;
import org.junit.jupiter.api.Test;

/** What {@link InferenceEngine#runAsync} and {@link Binding#runAsync()} promise, on a fake engine whose calls tests can hold. */
class AsyncCallsTest {

    @Test
    void anAsynchronousCallGivesWhatTheSynchronousOneGives() {
        try (GatedEngine engine = new GatedEngine(); Tensor x = GatedEngine.rows(1, 3);
             Outputs sync = engine.run(Map.of("x", x)); Outputs async = engine.runAsync(Map.of("x", x)).join()) {
            assertThat(async.get("y").toFloatArray()).containsExactly(sync.get("y").toFloatArray())
                    .containsExactly(GatedEngine.doubled(1, 3));
        }
    }

    @Test
    void invalidInputsFailTheFutureWithTheTypedException() {
        try (GatedEngine engine = new GatedEngine(); Tensor wrongShape = Tensor.of(new float[3], 1, 3);
             Tensor ints = Tensor.of(new int[2], 1, 2)) {
            assertThatThrownBy(() -> engine.runAsync(Map.of("x", wrongShape)).join()).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(InvalidInputException.class).hasMessageContaining("dimension 1 is 3, expected 2");
            assertThatThrownBy(() -> engine.runAsync(Map.of("x", ints)).join())
                    .cause().isInstanceOf(InvalidInputException.class).hasMessageContaining("is INT32 but the model expects FLOAT32");
            assertThatThrownBy(() -> engine.runAsync(Map.of()).join())
                    .cause().isInstanceOf(InvalidInputException.class).hasMessageContaining("missing input 'x'");
            assertThatThrownBy(() -> engine.runAsync(null)).isInstanceOf(NullPointerException.class);
            assertThat(engine.calls).as("nothing invalid reaches the engine").hasValue(0);
        }
    }

    @Test
    void aFailureInsideTheCallFailsOnlyItsOwnFuture() {
        try (GatedEngine engine = new GatedEngine(); Tensor negative = GatedEngine.rows(-5, 1); Tensor good = GatedEngine.rows(2, 1)) {
            CompletableFuture<Outputs> bad = engine.runAsync(Map.of("x", negative));
            CompletableFuture<Outputs> fine = engine.runAsync(Map.of("x", good));
            assertThatThrownBy(bad::join).cause().isInstanceOf(InvalidInputException.class).hasMessageContaining("negative");
            try (Outputs out = fine.join()) {
                assertThat(out.get("y").toFloatArray()).containsExactly(GatedEngine.doubled(2, 1));
            }
        }
    }

    @Test
    void cancelStopsAQueuedRequestButNotARunningOne() throws Exception {
        try (GatedEngine engine = new GatedEngine().closeGate(); Tensor x = GatedEngine.rows(0, 1)) {
            CompletableFuture<Outputs> first = engine.runAsync(Map.of("x", x));
            CompletableFuture<Outputs> second = engine.runAsync(Map.of("x", x));
            engine.awaitStarted(2); // both worker threads are busy: what comes next waits in the queue
            CompletableFuture<Outputs> queued = engine.runAsync(Map.of("x", x));

            assertThat(queued.cancel(true)).as("a queued request can be cancelled").isTrue();
            assertThat(queued).isCancelled();
            assertThat(first.cancel(true)).as("a running one cannot").isFalse();
            engine.open(3);
            first.join().close();
            second.join().close();
            assertThatThrownBy(queued::join).isInstanceOf(CancellationException.class);
            engine.runAsync(Map.of("x", x)).join().close(); // queued behind the cancelled one: the workers passed it
            assertThat(engine.calls).as("the cancelled request never ran").hasValue(3);
        }
    }

    @Test
    void closeFailsQueuedRequestsAndCompletesRunningOnesBeforeFreeingAnything() throws Exception {
        GatedEngine engine = new GatedEngine().closeGate();
        try (Tensor x = GatedEngine.rows(3, 1)) {
            CompletableFuture<Outputs> running1 = engine.runAsync(Map.of("x", x));
            CompletableFuture<Outputs> running2 = engine.runAsync(Map.of("x", x));
            engine.awaitStarted(2);
            CompletableFuture<Outputs> queued = engine.runAsync(Map.of("x", x));
            Thread closer = new Thread(engine::close);
            closer.start();

            assertThatThrownBy(queued::join).cause().isInstanceOf(EngineClosedException.class)
                    .hasMessage("gated engine for doubling was closed before this request started; it did not run");
            assertThat(engine.released).as("nothing freed under the running requests").isFalse();
            assertThatThrownBy(() -> engine.runAsync(Map.of("x", x))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is closed");
            engine.open(2);
            try (Outputs a = running1.join(); Outputs b = running2.join()) {
                assertThat(a.get("y").toFloatArray()).containsExactly(GatedEngine.doubled(3, 1));
                assertThat(b.get("y").toFloatArray()).containsExactly(GatedEngine.doubled(3, 1));
            }
            closer.join();
            assertThat(engine.released).isTrue();
            assertThat(engine.calls).hasValue(2);
        }
    }

    @Test
    void runAsyncWaitsForRoomOnceMaxInFlightRequestsAreAccepted() throws Exception {
        try (GatedEngine engine = new GatedEngine(0, 2).closeGate(); Tensor x = GatedEngine.rows(0, 1)) {
            CompletableFuture<Outputs> a = engine.runAsync(Map.of("x", x));
            CompletableFuture<Outputs> b = engine.runAsync(Map.of("x", x));
            engine.awaitStarted(2);
            AtomicReference<CompletableFuture<Outputs>> third = new AtomicReference<>();
            Thread producer = new Thread(() -> third.set(engine.runAsync(Map.of("x", x))));
            producer.start();
            while (producer.getState() != Thread.State.WAITING) { // parked, waiting for room
                assertThat(producer.isAlive()).as("the third submission waits instead of returning").isTrue();
                Thread.onSpinWait();
            }
            assertThat(third.get()).isNull();
            engine.open(3);
            producer.join();
            a.join().close();
            b.join().close();
            third.get().join().close();
        }
    }

    @Test
    void aSubmitterInterruptedWhileWaitingForRoomGetsAnInferenceExceptionAndKeepsItsInterrupt() throws Exception {
        try (GatedEngine engine = new GatedEngine(0, 1).closeGate(); Tensor x = GatedEngine.rows(0, 1)) {
            CompletableFuture<Outputs> running = engine.runAsync(Map.of("x", x));
            engine.awaitStarted(1);
            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> engine.runAsync(Map.of("x", x))).isInstanceOf(InferenceException.class)
                    .hasMessageContaining("interrupted while waiting for room among the 1 requests in flight");
            assertThat(Thread.interrupted()).isTrue();
            engine.open(1);
            running.join().close();
        }
    }

    @Test
    void aBindingRunsAsynchronouslyIntoItsOutputsOneRunAtATime() throws Exception {
        try (GatedEngine engine = new GatedEngine(); Tensor x = GatedEngine.rows(4, 2); Binding binding = engine.bind(Map.of("x", x))) {
            binding.runAsync().join();
            assertThat(binding.output("y").toFloatArray()).containsExactly(GatedEngine.doubled(4, 2));

            engine.closeGate();
            x.buffer().asFloatBuffer().put(new float[] {1, 1, 1, 1});
            CompletableFuture<Void> inFlight = binding.runAsync();
            assertThatThrownBy(binding::runAsync).isInstanceOf(IllegalStateException.class).hasMessageContaining("in flight");
            assertThatThrownBy(binding::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("in flight");
            engine.open(1);
            inFlight.join();
            assertThat(binding.output("y").toFloatArray()).containsExactly(2, 2, 2, 2);
            engine.open(1);
            binding.run();
        }
    }

    /** A backend with native asynchronous execution: the work is launched on a worker and completed by a thread of its own. */
    static final class PipelinedEngine extends GatedEngine {
        private final BlockingQueue<Runnable> completions = new LinkedBlockingQueue<>();
        private volatile boolean completerStarted;

        @Override
        protected void startAsync(Map<String, ? extends Tensor> inputs, AsyncRequest<Outputs> request) {
            Outputs out = execute(inputs);
            synchronized (this) {
                if (!completerStarted) {
                    completerStarted = true;
                    asyncExecutor().startCompletionThread("completer", () -> {
                        while (true) {
                            try {
                                completions.take().run();
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
                }
            }
            completions.add(() -> request.succeed(out));
        }
    }

    @Test
    void closingTheEngineFromItsCompletionThreadIsRefusedInsteadOfWaitingForItself() {
        PipelinedEngine engine = new PipelinedEngine();
        engine.closeGate();
        AtomicReference<Throwable> fromCallback = new AtomicReference<>();
        try (Tensor x = GatedEngine.rows(1, 1)) {
            CompletableFuture<Outputs> request = engine.runAsync(Map.of("x", x));
            CompletableFuture<Void> callback = request.thenAccept(out -> {
                out.close();
                try {
                    engine.close();
                } catch (IllegalStateException e) {
                    fromCallback.set(e);
                }
            });
            engine.open(2); // the request cannot complete before the callback is attached: it runs on the completer
            callback.join();
            assertThat(fromCallback.get()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("on the thread that completes its requests").hasMessageContaining("thenRunAsync");
            engine.runAsync(Map.of("x", x)).thenAcceptAsync(Outputs::close).join();
            engine.close();
            assertThat(engine.released).isTrue();
        }
    }
}
