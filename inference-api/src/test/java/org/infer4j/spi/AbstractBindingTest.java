package org.infer4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.ElementType;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AbstractBindingTest {

    /** An engine with input x and outputs y and z; only its declared tensors matter here. */
    private static final class DeclaringEngine extends AbstractInferenceEngine {
        DeclaringEngine() {
            super("fake", "declaring", List.of(new TensorInfo("x", ElementType.FLOAT32, Shape.of(1))),
                    List.of(new TensorInfo("y", ElementType.FLOAT32, Shape.of(1)),
                            new TensorInfo("z", ElementType.FLOAT32, Shape.of(1))));
        }

        @Override
        protected Outputs execute(Map<String, ? extends Tensor> inputs) {
            throw new UnsupportedOperationException("bindings under test run without the engine");
        }

        @Override
        protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
            throw new UnsupportedOperationException("bindings under test run without the engine");
        }

        @Override
        protected void release() {}
    }

    /** Counts its runs and releases; its asynchronous runs wait for the test to finish them. */
    private static final class CountingBinding extends AbstractBinding {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger releases = new AtomicInteger();
        AsyncRequest<Void> pending = new AsyncRequest<>(request -> {});
        RuntimeException submitFailure;

        CountingBinding(DeclaringEngine engine, Map<String, Tensor> inputs, Map<String, Tensor> outputs) {
            super(engine, inputs, outputs);
        }

        @Override
        protected void execute() {
            runs.incrementAndGet();
        }

        @Override
        protected AsyncRequest<Void> submit() {
            if (submitFailure != null) {
                throw submitFailure;
            }
            pending = new AsyncRequest<>(request -> {});
            pending.start();
            return pending;
        }

        @Override
        protected void release() {
            releases.incrementAndGet();
        }
    }

    private final DeclaringEngine engine = new DeclaringEngine();
    private final Tensor x = Tensor.of(new float[] {1f}, 1);
    private final Tensor y = Tensor.of(new float[] {0f}, 1);

    @AfterEach
    void closeAll() {
        x.close();
        y.close();
        engine.close();
    }

    private CountingBinding bindXAndY() {
        return new CountingBinding(engine, Map.of("x", x), Map.of("y", y));
    }

    @Test
    void looksUpTheBoundTensorsByName() {
        try (CountingBinding b = bindXAndY()) {
            assertThat(b.input("x")).isSameAs(x);
            assertThat(b.output("y")).isSameAs(y);
        }
    }

    @Test
    void anUnknownInputOrOutputNameIsAnArgumentErrorThatListsTheNames() {
        try (CountingBinding b = bindXAndY()) {
            assertThatThrownBy(() -> b.input("nope")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no input named 'nope'").hasMessageContaining("[x]");
            assertThatThrownBy(() -> b.output("nope")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no output named 'nope'").hasMessageContaining("y").hasMessageContaining("z");
        }
    }

    @Test
    void anOutputTheSubclassHasNotAllocatedYetAsksForARunFirst() {
        try (CountingBinding b = bindXAndY()) {
            assertThatThrownBy(() -> b.output("z")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("call run() first");
            b.outputs().put("z", y);
            assertThat(b.output("z")).isSameAs(y);
        }
    }

    @Test
    void runsWhileNoAsynchronousRunIsInFlight() {
        try (CountingBinding b = bindXAndY()) {
            b.run();
            CompletableFuture<Void> async = b.runAsync();
            assertThatThrownBy(b::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("in flight");
            assertThatThrownBy(b::runAsync).isInstanceOf(IllegalStateException.class).hasMessageContaining("in flight");
            b.pending.succeed(null);
            assertThat(async).isCompleted();
            b.run();
            assertThat(b.runs).hasValue(2);
        }
    }

    @Test
    void aSubmitThatThrowsLeavesNothingInFlight() {
        try (CountingBinding b = bindXAndY()) {
            b.submitFailure = new IllegalStateException("engine closed");
            assertThatThrownBy(b::runAsync).isSameAs(b.submitFailure);
            b.run();
            assertThat(b.runs).hasValue(1);
        }
    }

    @Test
    void closeWaitsForTheRunInFlightThenReleasesOnce() throws Exception {
        CountingBinding b = bindXAndY();
        b.runAsync();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(b::close);
        assertThat(b.releases).as("released under a run in flight").hasValue(0);
        b.pending.succeed(null);
        closing.get(10, TimeUnit.SECONDS);
        b.close();
        assertThat(b.releases).hasValue(1);
        assertThatThrownBy(b::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> b.input("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> b.output("y")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
