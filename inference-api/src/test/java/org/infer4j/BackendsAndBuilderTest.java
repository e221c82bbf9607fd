package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.infer4j.spi.AbstractInferenceEngine;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendsAndBuilderTest {

    /** Doubles a FLOAT32 [?, 2] input; can hold a call open to test closing under load. */
    static final class DoublingEngine extends AbstractInferenceEngine {
        final AtomicBoolean released = new AtomicBoolean();
        volatile CountDownLatch entered = new CountDownLatch(0);
        volatile CountDownLatch proceed = new CountDownLatch(0);

        DoublingEngine() {
            this("fake");
        }

        DoublingEngine(String backend) {
            super(backend, "doubling", List.of(new TensorInfo("x", ElementType.FLOAT32, Shape.of(-1, 2))),
                    List.of(new TensorInfo("y", ElementType.FLOAT32, Shape.of(-1, 2))));
        }

        @Override
        protected Outputs execute(Map<String, ? extends Tensor> inputs) {
            Tensor x = inputs.get("x");
            Tensor y = Tensor.allocate(ElementType.FLOAT32, x.shape().toArray());
            executeInto(inputs, Map.of("y", y));
            return Outputs.of(Map.of("y", y));
        }

        @Override
        protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
            entered.countDown();
            try {
                proceed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            float[] x = inputs.get("x").toFloatArray();
            for (int i = 0; i < x.length; i++) {
                x[i] *= 2;
            }
            outputs.get("y").buffer().asFloatBuffer().put(x);
        }

        @Override
        protected void release() {
            released.set(true);
        }

        boolean isClosing() {
            return isClosed();
        }
    }

    static class FakeProvider implements BackendProvider {
        final String name;
        final int priority;
        final Availability availability;

        FakeProvider(String name, int priority, Availability availability) {
            this.name = name;
            this.priority = priority;
            this.availability = availability;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public String description() {
            return "a fake for tests";
        }

        @Override
        public Availability availability() {
            return availability;
        }

        @Override
        public InferenceEngine create(EngineConfig config) {
            config.modelBytes();
            return new DoublingEngine(name);
        }
    }

    private static final FakeProvider FAST_BUT_MISSING = new FakeProvider("fast", 900,
            Availability.unavailable("libfast.so.1 not found", "install libfast 1.x"));
    private static final FakeProvider SLOW = new FakeProvider("slow", 100, Availability.available("everywhere"));
    private static final Backends BACKENDS = Backends.of(SLOW, FAST_BUT_MISSING);

    @Test
    void listsBackendsByPriorityWithWhyAndHowToFix() {
        assertThat(BACKENDS.names()).containsExactly("fast", "slow");
        assertThat(BACKENDS.report()).contains("fast  UNAVAILABLE", "why: libfast.so.1 not found", "fix: install libfast 1.x",
                "slow  available", "on: everywhere");
    }

    @Test
    void choosesTheAvailableBackendOfHighestPriority() {
        assertThat(BACKENDS.best().name()).isEqualTo("slow");
        try (InferenceEngine e = InferenceEngine.builder().backends(BACKENDS).model(new byte[] {1}).build()) {
            assertThat(e.backend()).isEqualTo("slow");
        }
    }

    private static final FakeProvider SLOWER = new FakeProvider("slower", 50, Availability.available("everywhere"));
    private static final Backends THREE = Backends.of(SLOW, FAST_BUT_MISSING, SLOWER);

    /** Builds with the system property {@code infer4j.backend} set to {@code value}, restoring it after. */
    private static String backendBuiltWithProperty(String value, EngineBuilder builder) {
        String before = System.getProperty(Backends.BACKEND_PROPERTY);
        System.setProperty(Backends.BACKEND_PROPERTY, value);
        try (InferenceEngine e = builder.backends(THREE).model(new byte[] {1}).build()) {
            return e.backend();
        } finally {
            if (before == null) {
                System.clearProperty(Backends.BACKEND_PROPERTY);
            } else {
                System.setProperty(Backends.BACKEND_PROPERTY, before);
            }
        }
    }

    @Test
    void theSystemPropertyOverridesTheAutomaticChoice() {
        assertThat(backendBuiltWithProperty("slower", InferenceEngine.builder())).isEqualTo("slower");
        assertThat(backendBuiltWithProperty(" slower ", InferenceEngine.builder())).as("trimmed").isEqualTo("slower");
        assertThat(backendBuiltWithProperty("slower", InferenceEngine.builder().backend("slow").automaticBackend()))
                .as("automaticBackend() hands the choice back to the property").isEqualTo("slower");
    }

    @Test
    void aBackendNamedInCodeWinsOverTheSystemProperty() {
        assertThat(backendBuiltWithProperty("slower", InferenceEngine.builder().backend("slow"))).isEqualTo("slow");
    }

    @Test
    void aBlankSystemPropertyLeavesTheChoiceAutomatic() {
        assertThat(backendBuiltWithProperty("", InferenceEngine.builder())).isEqualTo("slow");
        assertThat(backendBuiltWithProperty("  ", InferenceEngine.builder())).isEqualTo("slow");
    }

    @Test
    void anUnknownBackendInTheSystemPropertyIsAnErrorNamingTheProperty() {
        assertThatThrownBy(() -> backendBuiltWithProperty("ort-gpu", InferenceEngine.builder()))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageStartingWith("the system property infer4j.backend=ort-gpu chooses the backend, but no backend "
                        + "named 'ort-gpu'; found [fast, slow, slower]")
                .hasMessageEndingWith("(or remove -Dinfer4j.backend to let infer4j choose)");
        assertThat(System.getProperty(Backends.BACKEND_PROPERTY)).as("restored").isNull();
    }

    @Test
    void anUnavailableBackendInTheSystemPropertyIsAnErrorWithTheReasonAndRemedy() {
        assertThatThrownBy(() -> backendBuiltWithProperty("fast", InferenceEngine.builder()))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("infer4j.backend=fast")
                .hasMessageContaining("backend fast cannot run here: libfast.so.1 not found. To fix: install libfast 1.x");
    }

    @Test
    void explainsWhyANamedBackendCannotRun() {
        assertThatThrownBy(() -> InferenceEngine.builder().backends(BACKENDS).backend("fast").model(new byte[] {1}).build())
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessage("backend fast cannot run here: libfast.so.1 not found. To fix: install libfast 1.x");
    }

    @Test
    void listsEveryBackendWhenNoneCanRun() {
        assertThatThrownBy(() -> Backends.of(FAST_BUT_MISSING).best()).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("no backend can run here").hasMessageContaining("libfast.so.1");
        assertThatThrownBy(() -> Backends.of().best()).hasMessageContaining("org.infer4j:backend-ort");
    }

    @Test
    void turnsAThrowingAvailabilityCheckIntoAnUnavailableStatus() {
        BackendProvider broken = new FakeProvider("broken", 1, Availability.available("never asked")) {
            @Override
            public Availability availability() {
                throw new UnsatisfiedLinkError("no jnibroken in java.library.path");
            }
        };
        BackendStatus status = Backends.of(broken).statuses().get(0);
        assertThat(status.isAvailable()).isFalse();
        assertThat(status.availability().detail()).contains("jnibroken");
    }

    @Test
    void refusesToBuildWithoutAModelOrWithAMissingFile(@TempDir Path dir) {
        assertThatThrownBy(() -> InferenceEngine.builder().backends(BACKENDS).build()).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model(Path)");
        assertThatThrownBy(() -> InferenceEngine.builder().backends(BACKENDS).model(dir.resolve("m.onnx")).build())
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("m.onnx does not exist");
        assertThatThrownBy(() -> InferenceEngine.builder().model(dir).backends(BACKENDS).build())
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("not a regular file");
    }

    @Test
    void refusesArgumentsThatCanNeverBeRight() {
        EngineBuilder b = InferenceEngine.builder();
        assertThatThrownBy(() -> b.device(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.model((Path) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.option("k", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aDefaultBindingAllocatesOutputsOnceAndRunsAgainInPlace() {
        try (DoublingEngine e = new DoublingEngine(); Tensor x = Tensor.of(new float[] {1f, 2f}, 1, 2);
             Binding b = e.bind(Map.of("x", x))) {
            assertThatThrownBy(() -> b.output("y")).isInstanceOf(IllegalStateException.class).hasMessageContaining("run()");
            b.run();
            Tensor y = b.output("y");
            assertThat(y.toFloatArray()).containsExactly(2f, 4f);
            x.buffer().asFloatBuffer().put(new float[] {5f, 6f});
            b.run();
            assertThat(b.output("y")).isSameAs(y);
            assertThat(y.toFloatArray()).containsExactly(10f, 12f);
        }
    }

    @Test
    void closeWaitsForACallInFlightAndLaterCallsFail() throws Exception {
        DoublingEngine e = new DoublingEngine();
        e.entered = new CountDownLatch(1);
        e.proceed = new CountDownLatch(1);
        Tensor x = Tensor.of(new float[] {1f, 2f}, 1, 2);
        Thread caller = new Thread(() -> e.run(Map.of("x", x)).close());
        caller.start();
        assertThat(e.entered.await(5, TimeUnit.SECONDS)).isTrue();
        Thread closer = new Thread(e::close);
        closer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!e.isClosing()) { // close() has begun: from here it waits for the call in flight
            assertThat(System.nanoTime() - deadline).as("close() began within 30 s").isNegative();
            Thread.onSpinWait();
        }
        assertThat(e.released).as("not released under a running call").isFalse();
        assertThat(closer.isAlive()).as("close() waits for the call").isTrue();
        e.proceed.countDown();
        closer.join(5000);
        caller.join(5000);
        assertThat(e.released).isTrue();
        assertThatThrownBy(() -> e.run(Map.of("x", x))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fake engine for doubling is closed");
        assertThatThrownBy(() -> e.allocate("x", 1, 2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void allocateChecksTheNameAndShapeAgainstTheModel() {
        try (DoublingEngine e = new DoublingEngine(); Tensor t = e.allocate("y", 3, 2)) {
            assertThat(t.shape()).isEqualTo(Shape.of(3, 2));
            assertThatThrownBy(() -> e.allocate("z", 1, 2)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("'z'").hasMessageContaining("x: FLOAT32[?, 2]");
            assertThatThrownBy(() -> e.allocate("x", 1, 3)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("dimension 1 is 3, expected 2");
        }
    }

    /** Takes ids [batch, seq] and mask [batch, seq], as BERT does; checks only, runs nothing. */
    static final class PairEngine extends AbstractInferenceEngine {
        PairEngine() {
            super("fake", "pair", List.of(
                    new TensorInfo("ids", ElementType.INT64, Shape.of(-1, -1), List.of("batch", "seq")),
                    new TensorInfo("mask", ElementType.INT64, Shape.of(-1, -1), List.of("batch", "seq")),
                    new TensorInfo("scale", ElementType.FLOAT32, Shape.of(-1), List.of("n"))),
                    List.of(new TensorInfo("y", ElementType.FLOAT32, Shape.of(-1), List.of("n"))));
        }

        @Override
        protected Outputs execute(Map<String, ? extends Tensor> inputs) {
            return Outputs.of(Map.of());
        }

        @Override
        protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        }

        @Override
        protected void release() {
        }
    }

    @Test
    void dimensionsTheModelNamesAlikeMustHaveEqualSizes() {
        try (PairEngine e = new PairEngine(); Tensor ids = Tensor.allocate(ElementType.INT64, 2, 8);
             Tensor shortMask = Tensor.allocate(ElementType.INT64, 2, 7); Tensor oneMask = Tensor.allocate(ElementType.INT64, 1, 8);
             Tensor mask = Tensor.allocate(ElementType.INT64, 2, 8); Tensor scale = Tensor.allocate(ElementType.FLOAT32, 5)) {
            assertThatThrownBy(() -> e.run(Map.of("ids", ids, "mask", shortMask, "scale", scale)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("input 'mask' has shape [2, 7], whose dimension 1 ('seq') is 7, but input 'ids' has shape [2, 8], "
                            + "whose dimension 1 ('seq') is 8; the model names both 'seq', so they must be equal "
                            + "([ids: INT64[batch, seq], mask: INT64[batch, seq], scale: FLOAT32[n]])");
            assertThatThrownBy(() -> e.bind(Map.of("ids", ids, "mask", oneMask, "scale", scale)))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("dimension 0 ('batch') is 1");
            e.run(Map.of("ids", ids, "mask", mask, "scale", scale)).close();
            try (Tensor y = e.allocate("y", 3)) {
                assertThat(y.shape()).as("a name shared with an output constrains nothing").isEqualTo(Shape.of(3));
            }
        }
    }
}
