package org.infer4j.cudagraphs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.infer4j.tensorrt.TensorRtSettings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A steady-state {@link Binding#run()} on tensorrt allocates nothing per run on the Java heap, with
 * CUDA graphs and without: counted by the JVM ({@code com.sun.management.ThreadMXBean}) over
 * {@value #RUNS} runs of mlp_tiny after {@value #WARMUP}. infer4j controls this whole path (its
 * binding over JavaCPP), unlike ONNX Runtime's Java binding, which allocates on every call. Needs a GPU.
 */
class TensorRtBindingAllocationGpuTest {
    static final int WARMUP = 20_000;
    static final int RUNS = 100_000;
    /** Less than one byte per hundred runs: nothing per run. */
    static final long ONE_OFF_BYTES = RUNS / 100;

    @TempDir
    Path cacheDir;

    private com.sun.management.ThreadMXBean threads;

    @BeforeEach
    void requireGpuAndAllocationCounts() {
        Availability a = Backends.discover().find("tensorrt").orElseThrow().availability();
        assumeTrue(a.isAvailable(), () -> "tensorrt cannot run here: " + a);
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean, "a HotSpot-like JVM");
        threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM counts allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
    }

    @ParameterizedTest(name = "cudaGraphs={0}")
    @ValueSource(booleans = {false, true})
    void aSteadyStateBindingRunAllocatesNothing(boolean cudaGraphs) {
        ReferenceModel model = ReferenceModel.named("mlp_tiny");
        Map<String, Tensor> inputs = model.inputs();
        try (InferenceEngine engine = InferenceEngine.builder().backend("tensorrt").model(model.onnxBytes())
                .cudaGraphs(cudaGraphs).settings(TensorRtSettings.builder().cacheDirectory(cacheDir).build()).build();
             Binding binding = engine.bind(inputs)) {
            runs(binding, WARMUP);
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            runs(binding, RUNS);
            long bytes = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

            System.out.printf("tensorrt Binding.run(), cudaGraphs=%s: %.2f bytes per call over %d calls%n", cudaGraphs,
                    (double) bytes / RUNS, RUNS);
            // an allocation per run would be at least 16 bytes each, 1.6 MB in all; the bound leaves room for a
            // one-off allocation of the JVM's own inside the window
            assertThat(bytes).as("bytes allocated by %d steady-state runs", RUNS).isLessThan(ONE_OFF_BYTES);
        } finally {
            inputs.values().forEach(Tensor::close);
        }
    }

    /** One call site for the measured loop, as in a program that makes only this call. */
    private static void runs(Binding binding, int n) {
        for (int i = 0; i < n; i++) {
            binding.run();
        }
    }
}
