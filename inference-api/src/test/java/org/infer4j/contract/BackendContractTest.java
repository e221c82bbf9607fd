package org.infer4j.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.ElementType;
import org.infer4j.EngineBuilder;
import org.infer4j.EngineClosedException;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.ModelLoadException;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.spi.BackendProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The behaviour every backend promises, as tests. A backend's test class extends this and names
 * itself; the suite skips (JUnit assumption) where the backend cannot run, so GPU backends pass
 * through CI silently and run on GPU machines. Override the protected hooks to adjust tolerance,
 * builder settings, or the reference models a backend supports.
 *
 * <p>The reference models are the tiny models in the project's {@code models/} folder, packaged
 * in this test-jar with PyTorch's outputs for recorded inputs.
 */
public abstract class BackendContractTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** The provider name under test, e.g. {@code ort-cpu}. */
    protected abstract String backendName();

    /** Extra builder configuration (precision, settings) applied to every engine of the suite. */
    protected EngineBuilder configure(EngineBuilder builder) {
        return builder;
    }

    /**
     * Largest absolute difference allowed from PyTorch's FP32 outputs on the reference models. The
     * default, 1e-4, is FP32 arithmetic with a different summation order on outputs of magnitude
     * ~1; FP16 backends override it.
     */
    protected double tolerance() {
        return 1e-4;
    }

    /** The reference models this backend must reproduce; all of {@link ReferenceModel#NAMES} by default. */
    protected List<String> referenceModels() {
        return ReferenceModel.NAMES;
    }

    @BeforeEach
    void requireBackend() {
        BackendProvider provider = Backends.discover().find(backendName()).orElseThrow(() -> new AssertionError(
                "backend " + backendName() + " is not registered with ServiceLoader; check META-INF/services"));
        Availability availability = provider.availability();
        assumeTrue(availability.isAvailable(), () -> backendName() + " cannot run here: " + availability);
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    protected final InferenceEngine engine(String model) {
        return track(configure(InferenceEngine.builder().backend(backendName())
                .model(ReferenceModel.named(model).onnxBytes())).build());
    }

    protected final <T extends AutoCloseable> T track(T resource) {
        toClose.add(resource);
        return resource;
    }

    static Stream<String> allReferenceModels() {
        return ReferenceModel.NAMES.stream();
    }

    // ---- what a model looks like ----------------------------------------------------------------

    @Test
    void describesInputsAndOutputsWithUnknownDimensionsMarked() {
        InferenceEngine e = engine("encoder_tiny");
        assertThat(e.backend()).isEqualTo(backendName());
        assertThat(e.inputs()).extracting(TensorInfo::name).containsExactly("input_ids", "attention_mask");
        TensorInfo ids = e.inputs().get(0);
        assertThat(ids.elementType()).isEqualTo(ElementType.INT64);
        assertThat(ids.shape().rank()).isEqualTo(2);
        assertThat(e.outputs()).extracting(TensorInfo::name).containsExactly("output");
        assertThat(e.outputs().get(0).elementType()).isEqualTo(ElementType.FLOAT32);
        assertThat(e.outputs().get(0).shape().dim(2)).isEqualTo(16);

        TensorInfo mlpIn = engine("mlp_tiny").inputs().get(0);
        assertThat(mlpIn.shape().dim(1)).isEqualTo(16);
    }

    // ---- right answers ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("allReferenceModels")
    void reproducesPyTorchOutputsOnTheReferenceModels(String model) {
        assumeTrue(referenceModels().contains(model), backendName() + " does not claim " + model);
        ReferenceModel ref = ReferenceModel.named(model);
        Map<String, Tensor> in = trackAll(ref.inputs());
        Map<String, Tensor> expected = trackAll(ref.expectedOutputs());
        try (Outputs out = engine(model).run(in)) {
            for (Map.Entry<String, Tensor> e : expected.entrySet()) {
                Tensor actual = out.get(e.getKey());
                assertThat(actual.shape()).isEqualTo(e.getValue().shape());
                assertThat(maxAbsDifference(actual.toFloatArray(), e.getValue().toFloatArray()))
                        .as("max |%s - PyTorch| on %s", backendName(), model).isLessThanOrEqualTo(tolerance());
            }
        }
    }

    @Test
    void writesIntoCallerOutputTensors() {
        ReferenceModel ref = ReferenceModel.named("mlp_tiny");
        Map<String, Tensor> in = trackAll(ref.inputs());
        Tensor expected = track(ref.expectedOutputs().get("output"));
        InferenceEngine e = engine("mlp_tiny");
        Tensor out = track(e.allocate("output", 2, 4));
        e.run(in, Map.of("output", out));
        assertThat(maxAbsDifference(out.toFloatArray(), expected.toFloatArray())).isLessThanOrEqualTo(tolerance());
    }

    @Test
    void bindingRunsAgainWithNewInputValuesWrittenInPlace() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = track(e.allocate("input", 2, 16));
        Binding binding = track(e.bind(Map.of("input", x)));
        Random random = new Random(7);
        for (int round = 0; round < 3; round++) {
            float[] values = new float[32];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            x.buffer().asFloatBuffer().put(values);
            binding.run();
            try (Tensor same = Tensor.of(values, 2, 16); Outputs direct = e.run(Map.of("input", same))) {
                assertThat(binding.output("output").toFloatArray())
                        .containsExactly(direct.get("output").toFloatArray());
            }
        }
        assertThat(binding.input("input")).isSameAs(x);
    }

    @Test
    void acceptsEveryBatchSizeOnADynamicBatchAxis() {
        InferenceEngine e = engine("mlp_tiny");
        for (int batch : new int[] {1, 3, 8}) {
            try (Tensor x = Tensor.allocate(ElementType.FLOAT32, batch, 16); Outputs out = e.run(Map.of("input", x))) {
                assertThat(out.get("output").shape()).isEqualTo(Shape.of(batch, 4));
            }
        }
    }

    @Test
    void concurrentCallersGetTheSingleThreadedAnswers() throws Exception {
        InferenceEngine e = engine("cnn_tiny");
        int threads = 8;
        int runsPerThread = 25;
        List<float[]> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        Random random = new Random(11);
        for (int i = 0; i < threads; i++) {
            float[] x = new float[3 * 16 * 16];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) random.nextGaussian();
            }
            inputs.add(x);
            try (Tensor t = Tensor.of(x, 1, 3, 16, 16); Outputs out = e.run(Map.of("input", t))) {
                expected.add(out.get("output").toFloatArray());
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int id = i;
                done.add(pool.submit(() -> {
                    for (int r = 0; r < runsPerThread; r++) {
                        try (Tensor t = Tensor.of(inputs.get(id), 1, 3, 16, 16); Outputs out = e.run(Map.of("input", t))) {
                            assertThat(out.get("output").toFloatArray()).containsExactly(expected.get(id));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- asynchronous calls ------------------------------------------------------------------------

    @Test
    void manyAsynchronousRequestsInFlightGetTheSynchronousAnswers() {
        InferenceEngine e = engine("cnn_tiny");
        int requests = 24;
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        Random random = new Random(13);
        for (int i = 0; i < requests; i++) {
            int batch = 1 + i % 3;
            float[] x = new float[batch * 3 * 16 * 16];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) random.nextGaussian();
            }
            Tensor t = track(i % 2 == 0 ? Tensor.of(x, batch, 3, 16, 16) : e.allocate("input", batch, 3, 16, 16));
            t.buffer().asFloatBuffer().put(x);
            inputs.add(t);
            try (Outputs out = e.run(Map.of("input", t))) {
                expected.add(out.get("output").toFloatArray());
            }
        }
        List<CompletableFuture<Outputs>> futures = new ArrayList<>();
        for (Tensor t : inputs) {
            futures.add(e.runAsync(Map.of("input", t)));
        }
        for (int i = 0; i < requests; i++) {
            try (Outputs out = futures.get(i).join()) {
                assertThat(out.get("output").toFloatArray()).as("request %d", i).containsExactly(expected.get(i));
            }
        }
    }

    @Test
    void anInvalidAsynchronousRequestFailsItsFutureWithTheTypedException() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor wrong = track(Tensor.allocate(ElementType.FLOAT32, 1, 15));
        Tensor right = track(Tensor.allocate(ElementType.FLOAT32, 1, 16));
        CompletableFuture<Outputs> bad = e.runAsync(Map.of("input", wrong));
        CompletableFuture<Outputs> good = e.runAsync(Map.of("input", right));
        assertThatThrownBy(bad::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'input'");
        good.join().close();
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang is a failure
    void aBindingRunsAsynchronouslyLikeSynchronously() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = track(e.allocate("input", 2, 16));
        Tensor y = track(Tensor.of(new float[32], 2, 16));
        Random random = new Random(5);
        float[] values = new float[32];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        x.buffer().asFloatBuffer().put(values);
        y.buffer().asFloatBuffer().put(values);
        Binding binding = track(e.bind(Map.of("input", x)));
        binding.runAsync().join();
        try (Outputs direct = e.run(Map.of("input", y))) {
            assertThat(binding.output("output").toFloatArray()).containsExactly(direct.get("output").toFloatArray());
        }
        CompletableFuture<Void> inFlight = binding.runAsync();
        binding.close(); // waits for the run in flight, which completes normally
        inFlight.join();
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang is a failure
    void closingWithRequestsInFlightCompletesOrFailsEachOneTyped() {
        InferenceEngine e = engine("cnn_tiny");
        Tensor x = track(e.allocate("input", 2, 3, 16, 16));
        List<CompletableFuture<Outputs>> futures = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            futures.add(e.runAsync(Map.of("input", x)));
        }
        e.close();
        for (CompletableFuture<Outputs> f : futures) {
            try (Outputs out = f.join()) { // a request that started ran to the end
                assertThat(out.get("output").shape()).isEqualTo(Shape.of(2, 4));
            } catch (CompletionException failed) { // one still queued never ran
                assertThat(failed).cause().isInstanceOf(EngineClosedException.class);
            }
        }
        assertThatThrownBy(() -> e.runAsync(Map.of("input", x))).isInstanceOf(IllegalStateException.class);
    }

    // ---- wrong inputs ------------------------------------------------------------------------------

    @Test
    void rejectsAnUnknownInputNameListingTheRealOnes() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = track(Tensor.allocate(ElementType.FLOAT32, 1, 16));
        assertThatThrownBy(() -> e.run(Map.of("input", x, "pixels", x)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'pixels'").hasMessageContaining("input");
    }

    @Test
    void rejectsAMissingInputNamingIt() {
        InferenceEngine e = engine("encoder_tiny");
        Tensor ids = track(Tensor.of(new long[] {1, 2, 3}, 1, 3));
        assertThatThrownBy(() -> e.run(Map.of("input_ids", ids)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("missing input 'attention_mask'");
    }

    @Test
    void rejectsTheWrongElementTypeSayingWhichIsExpected() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = track(Tensor.of(new int[16], 1, 16));
        assertThatThrownBy(() -> e.run(Map.of("input", x)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'input'")
                .hasMessageContaining("INT32").hasMessageContaining("FLOAT32");
    }

    @Test
    void rejectsTheWrongRank() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = track(Tensor.allocate(ElementType.FLOAT32, 16));
        assertThatThrownBy(() -> e.run(Map.of("input", x)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("rank 1").hasMessageContaining("rank 2");
    }

    @Test
    void rejectsAWrongFixedDimensionNamingIt() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = track(Tensor.allocate(ElementType.FLOAT32, 1, 15));
        assertThatThrownBy(() -> e.run(Map.of("input", x)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("dimension 1 is 15, expected 16");
    }

    @Test
    void rejectsNullArguments() {
        InferenceEngine e = engine("mlp_tiny");
        Map<String, Tensor> withNull = new HashMap<>();
        withNull.put("input", null);
        assertThatThrownBy(() -> e.run(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.run(withNull)).isInstanceOf(InvalidInputException.class).hasMessageContaining("null");
    }

    @Test
    void rejectsAClosedInputTensor() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = Tensor.allocate(ElementType.FLOAT32, 1, 16);
        x.close();
        assertThatThrownBy(() -> e.run(Map.of("input", x))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void rejectsCallerOutputsOfTheWrongType() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = track(Tensor.allocate(ElementType.FLOAT32, 1, 16));
        Tensor wrong = track(Tensor.allocate(ElementType.INT64, 1, 4));
        assertThatThrownBy(() -> e.run(Map.of("input", x), Map.of("output", wrong)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("output 'output'");
    }

    // ---- bad models ----------------------------------------------------------------------------------

    @Test
    void aTruncatedModelIsAModelLoadException() {
        byte[] model = ReferenceModel.named("mlp_tiny").onnxBytes();
        byte[] truncated = java.util.Arrays.copyOf(model, model.length / 2);
        assertThatThrownBy(() -> configure(InferenceEngine.builder().backend(backendName()).model(truncated)).build())
                .isInstanceOf(ModelLoadException.class);
    }

    @Test
    void randomBytesAreAModelLoadException() {
        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);
        assertThatThrownBy(() -> configure(InferenceEngine.builder().backend(backendName()).model(noise)).build())
                .isInstanceOf(ModelLoadException.class);
    }

    @Test
    void aMissingFileIsAModelLoadExceptionNamingThePath(@TempDir Path dir) {
        Path missing = dir.resolve("nope.onnx");
        assertThatThrownBy(() -> configure(InferenceEngine.builder().backend(backendName()).model(missing)).build())
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("nope.onnx").hasMessageContaining("does not exist");
    }

    @Test
    void loadsAModelFromAFile(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("mlp.onnx"), ReferenceModel.named("mlp_tiny").onnxBytes());
        try (InferenceEngine e = configure(InferenceEngine.builder().backend(backendName()).model(file)).build()) {
            assertThat(e.inputs()).hasSize(1);
        }
    }

    // ---- lifecycle -----------------------------------------------------------------------------------

    @Test
    void aClosedEngineThrowsIllegalStateAndClosingTwiceIsHarmless() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = track(Tensor.allocate(ElementType.FLOAT32, 1, 16));
        e.close();
        e.close();
        assertThatThrownBy(() -> e.run(Map.of("input", x))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(e::inputs).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> e.bind(Map.of("input", x))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aClosedBindingThrowsIllegalStateAndClosingTwiceIsHarmless() {
        InferenceEngine e = engine("mlp_tiny");
        Tensor x = track(Tensor.allocate(ElementType.FLOAT32, 1, 16));
        Binding b = e.bind(Map.of("input", x));
        b.run();
        b.close();
        b.close();
        assertThatThrownBy(b::run).isInstanceOf(IllegalStateException.class);
        assertThat(x.isClosed()).as("the caller's input stays open").isFalse();
    }

    protected final Map<String, Tensor> trackAll(Map<String, Tensor> tensors) {
        tensors.values().forEach(this::track);
        return tensors;
    }

    protected static double maxAbsDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
