package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a call allocates on the Java heap on the ONNX Runtime backends, counted by the JVM
 * ({@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes}) over {@value #RUNS} calls of
 * mlp_tiny after {@value #WARMUP} to let the JIT compile them ({@value #GPU_RUNS} on the GPU providers, whose
 * every call waits for the device: a hundred thousand of them take minutes on a GPU that other processes share).
 * The binding and the bare session are compared by their least allocating of {@value #WINDOWS} such
 * windows: on a loaded machine the JIT may compile a loop only well into the first window, and until it
 * has, escape analysis does not remove what the compiled loop does not allocate. ONNX Runtime's Java binding allocates
 * on every run (its argument arrays and a Result); a {@link Binding} must add nothing to that beyond
 * {@value #MARGIN_BYTES} bytes, measured against a bare session with the same execution provider.
 * ort-cuda and ort-tensorrt run where they are available (a GPU). Prints the figures the docs quote.
 */
class OrtBindingAllocationTest {
    static final int WARMUP = 20_000;
    static final int RUNS = 100_000;
    static final int GPU_RUNS = 20_000;
    static final int WINDOWS = 4;
    /** What a steady-state Binding.run() may allocate beyond a bare OrtSession.run with pinned outputs. */
    static final long MARGIN_BYTES = 64;

    private static com.sun.management.ThreadMXBean threads;

    @BeforeAll
    static void countAllocations() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean, "a HotSpot-like JVM");
        threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM counts allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
    }

    private static long allocated() {
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    // One loop per kind of call, each in its own method: each call site then sees one kind of call, as
    // in a program that makes only that call. A loop shared by all would measure the JIT's inlining
    // limits instead (objects it cannot prove local stay allocated).

    /** Bytes per call of {@code runs} steady-state Binding.run(). */
    private static double bindingRuns(Binding b, int runs) {
        long before = allocated();
        for (int i = 0; i < runs; i++) {
            b.run();
        }
        return (double) (allocated() - before) / runs;
    }

    /** Bytes per call of {@code runs} bare OrtSession.run(inputs, pinnedOutputs). */
    private static double bareRuns(OrtSession session, Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> pinned, int runs)
            throws OrtException {
        long before = allocated();
        for (int i = 0; i < runs; i++) {
            try (OrtSession.Result ignored = session.run(inputs, pinned)) {
                // the output was written in place
            }
        }
        return (double) (allocated() - before) / runs;
    }

    private static double intoRuns(InferenceEngine engine, Map<String, Tensor> in, Map<String, Tensor> out, int runs) {
        long before = allocated();
        for (int i = 0; i < runs; i++) {
            engine.run(in, out);
        }
        return (double) (allocated() - before) / runs;
    }

    private static double freshRuns(InferenceEngine engine, Map<String, Tensor> in, int runs) {
        long before = allocated();
        for (int i = 0; i < runs; i++) {
            engine.run(in).close();
        }
        return (double) (allocated() - before) / runs;
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    private static InferenceEngine mlp(String backend) {
        return InferenceEngine.builder().backend(backend).model(ReferenceModel.named("mlp_tiny").onnxBytes()).build();
    }

    /** Session options with the execution provider {@code backend} runs on, for the bare session. */
    private static OrtSession.SessionOptions sameProvider(String backend) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            switch (backend) {
                case "ort-cuda" -> options.addCUDA(0);
                case "ort-tensorrt" -> {
                    options.addTensorrt(0);
                    options.addCUDA(0);
                }
                default -> { } // ort-cpu: ONNX Runtime's default provider
            }
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ort-cpu", "ort-cuda", "ort-tensorrt"})
    void aBindingAllocatesNoMoreThanABareOnnxRuntimeRunWithPinnedOutputs(String backend) throws Exception {
        Availability availability = Backends.discover().find(backend).orElseThrow().availability();
        assumeTrue(availability.isAvailable(), () -> backend + " cannot run here: " + availability);
        int runs = backend.equals("ort-cpu") ? RUNS : GPU_RUNS;
        double binding;
        try (InferenceEngine engine = mlp(backend); Tensor x = engine.allocate("input", 1, 16);
             Binding b = engine.bind(Map.of("input", x))) {
            b.run(); // the first run allocates the output
            bindingRuns(b, WARMUP);
            binding = Double.MAX_VALUE;
            for (int w = 0; w < WINDOWS; w++) {
                binding = Math.min(binding, bindingRuns(b, runs));
            }
        }
        double bare;
        OrtEnvironment env = OrtNative.environment(); // infer4j's: asking ONNX Runtime for another would warn
        try (OrtSession.SessionOptions options = sameProvider(backend);
             OrtSession session = env.createSession(ReferenceModel.named("mlp_tiny").onnxBytes(), options);
             OnnxTensor input = OnnxTensor.createTensor(env, direct(16 * 4).asFloatBuffer(), new long[] {1, 16});
             OnnxTensor output = OnnxTensor.createTensor(env, direct(4 * 4).asFloatBuffer(), new long[] {1, 4})) {
            // HashMaps, not Map.of: ONNX Runtime iterates the maps' entry sets, which Map.of builds anew on each call
            Map<String, OnnxTensor> inputs = new HashMap<>(Map.of("input", input));
            Map<String, OnnxTensor> pinned = new HashMap<>(Map.of("output", output));
            bareRuns(session, inputs, pinned, WARMUP);
            bare = Double.MAX_VALUE;
            for (int w = 0; w < WINDOWS; w++) {
                bare = Math.min(bare, bareRuns(session, inputs, pinned, runs));
            }
        }
        System.out.printf("bytes per call on %s, mlp_tiny, least of %d windows of %d runs: bare OrtSession.run(inputs, "
                + "pinned) %.1f, Binding.run() %.1f%n", backend, WINDOWS, runs, bare, binding);
        assertThat(binding).as("Binding.run() against a bare OrtSession.run with pinned outputs, %.1f bytes", bare)
                .isLessThanOrEqualTo(bare + MARGIN_BYTES);
    }

    @Test
    void whatTheEnginesRunMethodsAllocate() {
        try (InferenceEngine engine = mlp("ort-cpu"); Tensor x = engine.allocate("input", 1, 16); Tensor y = engine.allocate("output", 1, 4)) {
            Map<String, Tensor> in = Map.of("input", x);
            Map<String, Tensor> out = Map.of("output", y);
            intoRuns(engine, in, out, WARMUP);
            double into = intoRuns(engine, in, out, RUNS);
            freshRuns(engine, in, WARMUP);
            double fresh = freshRuns(engine, in, RUNS);
            System.out.printf("bytes per call on ort-cpu, mlp_tiny, %d runs: engine.run(in, out) %.1f, engine.run(in) %.1f%n",
                    RUNS, into, fresh);
            assertThat(into).as("views of the caller's tensors, made per call").isPositive();
            assertThat(fresh).as("new output tensors besides").isGreaterThan(into);
        }
    }
}
