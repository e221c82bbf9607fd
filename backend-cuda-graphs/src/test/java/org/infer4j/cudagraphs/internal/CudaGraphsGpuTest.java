package org.infer4j.cudagraphs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.SizeTPointer;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.ElementType;
import org.infer4j.EngineBuilder;
import org.infer4j.EngineStats;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.contract.ReferenceModel;
import org.infer4j.tensorrt.TensorRtEngine;
import org.infer4j.tensorrt.TensorRtSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CUDA graphs on the tensorrt backend, against the same engine without graphs. Needs a GPU; the
 * exported reference models are read from {@code /opt/gpu/models/NAME.onnx} (override with
 * {@code -Dinfer4j.models=DIR}) and skipped where absent, their FP16 engines kept in the default engine cache
 * (a cold build of all six takes minutes); the tiny shipped models always run, cached in a temporary directory.
 * Replays of the memory test: {@code -Dinfer4j.memoryTest.loops} (default 10 000).
 */
class CudaGraphsGpuTest {
    private static final List<String> MODELS = List.of("mlp", "cnn", "gru", "resnet50", "distilbert", "bert_base");
    /** Batch 1 (S=128): the static profile the benchmarks build, so their cached engines serve this test. */
    private static final Map<String, Map<String, long[]>> STATIC_SHAPES = Map.of(
            "mlp", Map.of("input", new long[] {1, 256}),
            "cnn", Map.of("input", new long[] {1, 3, 64, 64}),
            "gru", Map.of("input", new long[] {1, 30, 4}),
            "resnet50", Map.of("input", new long[] {1, 3, 224, 224}),
            "distilbert", Map.of("input_ids", new long[] {1, 128}, "attention_mask", new long[] {1, 128}),
            "bert_base", Map.of("input_ids", new long[] {1, 128}, "attention_mask", new long[] {1, 128}));

    @TempDir
    Path cacheDir;

    @BeforeEach
    void requireGpu() {
        Availability a = Backends.discover().find("tensorrt").orElseThrow().availability();
        assumeTrue(a.isAvailable(), () -> "tensorrt cannot run here: " + a);
    }

    @AfterEach
    void unbreak() {
        CudaGraphRunner.breakCapturesForTest = false;
    }

    private InferenceEngine engine(byte[] model, Precision precision, boolean graphs, TensorRtSettings.Builder settings) {
        return InferenceEngine.builder().backend("tensorrt").model(model).precision(precision).cudaGraphs(graphs)
                .settings(settings.cacheDirectory(cacheDir).build()).build();
    }

    private InferenceEngine tiny(String name, boolean graphs, TensorRtSettings.Builder settings) {
        return engine(ReferenceModel.named(name).onnxBytes(), Precision.FP32, graphs, settings);
    }

    /** Outputs of graph replays (host arrays through run, device tensors through a binding) equal plain runs bit for bit. */
    @Test
    void everyReferenceModelGivesBitwiseTheSameOutputsWithGraphs() throws Exception {
        Path dir = Path.of(System.getProperty("infer4j.models", "/opt/gpu/models"));
        List<String> present = MODELS.stream().filter(m -> Files.isRegularFile(dir.resolve(m + ".onnx"))).toList();
        assumeTrue(!present.isEmpty(), () -> "no exported reference models in " + dir);
        for (String name : present) {
            byte[] model = Files.readAllBytes(dir.resolve(name + ".onnx"));
            // the default engine cache (earlier runs' FP16 engines make this fast); the graph engine loads the plain
            // one's plan from it, so both run the same kernels
            EngineBuilder plainBuilder = InferenceEngine.builder().backend("tensorrt").model(model).precision(Precision.FP16);
            EngineBuilder graphsBuilder = InferenceEngine.builder().backend("tensorrt").model(model).precision(Precision.FP16)
                    .cudaGraphs(true);
            STATIC_SHAPES.get(name).forEach((input, shape) -> {
                plainBuilder.shapeRange(input, ShapeRange.fixed(shape));
                graphsBuilder.shapeRange(input, ShapeRange.fixed(shape));
            });
            try (InferenceEngine plain = plainBuilder.build(); InferenceEngine graphs = graphsBuilder.build()) {
                assertThat(graphs.stats().counter("tensorrt.fromCache")).as(name).isEqualTo(1);
                Map<String, Tensor> in = inputs(graphs.inputs(), 1, 128, 7);
                try {
                    Map<String, float[]> expected = run(plain, in);
                    for (int i = 0; i < 4; i++) {
                        assertBitwiseEqual(name + " run " + i, run(graphs, in), expected);
                    }
                    assertBitwiseEqual(name + " device-resident binding", runDeviceBinding((TensorRtEngine) graphs, in, 4),
                            expected);
                } finally {
                    in.values().forEach(Tensor::close);
                }
                EngineStats s = graphs.stats();
                assertThat(s.counter("cudaGraphs.enabled")).as(name).isEqualTo(1);
                assertThat(s.counter("cudaGraphs.captures")).as(name + " " + s).isGreaterThanOrEqualTo(2);
                assertThat(s.counter("cudaGraphs.replays")).as(name + " " + s).isGreaterThanOrEqualTo(7);
                assertThat(s.counter("cudaGraphs.uncapturedRuns")).as(name + " " + s).isZero();
            }
        }
    }

    @Test
    void aShapeChangeBetweenCallsNeverReplaysAnotherShapesGraph() {
        try (InferenceEngine plain = tiny("mlp_tiny", false, TensorRtSettings.builder().contextPoolSize(1));
             InferenceEngine graphs = tiny("mlp_tiny", true, TensorRtSettings.builder().contextPoolSize(1))) {
            for (int batch : new int[] {1, 1, 4, 4, 1, 1}) {
                Map<String, Tensor> in = inputs(graphs.inputs(), batch, 128, batch);
                try {
                    assertBitwiseEqual("batch " + batch, run(graphs, in), run(plain, in));
                } finally {
                    in.values().forEach(Tensor::close);
                }
            }
            EngineStats s = graphs.stats();
            assertThat(s.counter("cudaGraphs.captures")).as(s.toString()).isEqualTo(2);
            assertThat(s.counter("cudaGraphs.cachedGraphs")).as(s.toString()).isEqualTo(2);
            assertThat(s.counter("cudaGraphs.resyncRuns")).as(s.toString()).isEqualTo(1);
            assertThat(s.counter("cudaGraphs.replays")).as(s.toString()).isEqualTo(5);
        }
    }

    @Test
    void aFailedCaptureFallsBackToPlainRunsAndIsCountedAndNoted() {
        try (InferenceEngine plain = tiny("cnn_tiny", false, TensorRtSettings.builder().contextPoolSize(1));
             InferenceEngine graphs = tiny("cnn_tiny", true, TensorRtSettings.builder().contextPoolSize(1))) {
            Map<String, Tensor> in = inputs(graphs.inputs(), 1, 128, 3);
            try {
                Map<String, float[]> expected = run(plain, in);
                CudaGraphRunner.breakCapturesForTest = true;
                for (int i = 0; i < 3; i++) {
                    assertBitwiseEqual("fallback run " + i, run(graphs, in), expected);
                }
                CudaGraphRunner.breakCapturesForTest = false;
                assertBitwiseEqual("after the hook", run(graphs, in), expected); // the signature stays uncaptured
            } finally {
                in.values().forEach(Tensor::close);
            }
            EngineStats s = graphs.stats();
            assertThat(s.counter("cudaGraphs.captures")).as(s.toString()).isZero();
            assertThat(s.counter("cudaGraphs.uncapturedRuns")).as(s.toString()).isEqualTo(4);
            assertThat(s.notes()).as(s.toString()).anySatisfy(n -> assertThat(n).contains("runs without a graph")
                    .contains("cudaStreamSynchronize during capture"));
        }
    }

    /**
     * Host tensors up to {@code zeroCopyLimit} bytes are read and written by TensorRT where they lie in
     * page-locked memory: through {@code run} (the context's staging) and through a binding (its own
     * page-locked outputs), without graphs, with them and with captures broken, the outputs equal
     * copied runs bit for bit. With the limit under the input's size, only the output is in place.
     */
    @Test
    void zeroCopyHostTensorsGiveBitwiseTheSameOutputsAsCopiedOnes() {
        try (InferenceEngine plain = tiny("mlp_tiny", false, TensorRtSettings.builder().contextPoolSize(1))) {
            Map<String, Tensor> in = inputs(plain.inputs(), 2, 128, 11);
            try {
                Map<String, float[]> expected = run(plain, in);
                long inputBytes = in.get("input").byteSize();
                try (Outputs o = plain.run(in)) {
                    assertThat(o.get("output").byteSize()).as("the split below needs an output smaller than the input")
                            .isLessThan(inputBytes);
                }
                for (long limit : new long[] {Long.MAX_VALUE, inputBytes - 1}) {
                    for (String mode : List.of("plain", "graphs", "graphs, captures broken")) {
                        String what = "zeroCopyLimit " + limit + ", " + mode;
                        try (InferenceEngine e = tiny("mlp_tiny", !mode.equals("plain"),
                                TensorRtSettings.builder().contextPoolSize(1).zeroCopyLimit(limit))) {
                            CudaGraphRunner.breakCapturesForTest = mode.endsWith("broken");
                            for (int i = 0; i < 3; i++) {
                                assertBitwiseEqual(what + ", run " + i, run(e, in), expected);
                            }
                            try (Binding b = e.bind(in)) {
                                for (int i = 0; i < 3; i++) {
                                    b.run();
                                    assertBitwiseEqual(what + ", binding run " + i,
                                            Map.of("output", asFloats(b.output("output"))), expected);
                                }
                            }
                            CudaGraphRunner.breakCapturesForTest = false;
                            EngineStats s = e.stats();
                            assertThat(s.counter("tensorrt.zeroCopyLimitBytes")).as(s.toString()).isEqualTo(limit);
                            if (!mode.equals("plain")) {
                                assertThat(s.counter(mode.endsWith("broken") ? "cudaGraphs.uncapturedRuns" : "cudaGraphs.replays"))
                                        .as(s.toString()).isGreaterThanOrEqualTo(4);
                            }
                        }
                    }
                }
            } finally {
                in.values().forEach(Tensor::close);
            }
        }
    }

    /**
     * A closed binding's context serves the next binding, without the graphs it captured: a later
     * binding's tensors, even page-locked ones at a freed tensor's address, give that binding's
     * results, and contexts are made only for bindings open at the same time.
     */
    @Test
    void aClosedBindingsContextServesTheNextBindingWithItsOwnResults() {
        try (InferenceEngine plain = tiny("mlp_tiny", false, TensorRtSettings.builder().contextPoolSize(1));
             InferenceEngine e = tiny("mlp_tiny", true, TensorRtSettings.builder().contextPoolSize(1))) {
            TensorRtEngine trt = (TensorRtEngine) e;
            for (int round = 0; round < 4; round++) {
                Map<String, Tensor> heap = inputs(e.inputs(), 2, 128, 100 + round);
                Map<String, float[]> expected = run(plain, heap);
                try (Tensor pinned = e.allocate("input", heap.get("input").shape().toArray())) {
                    pinned.copyFrom(heap.get("input"));
                    try (Binding b = e.bind(Map.of("input", pinned))) {
                        b.run();
                        assertBitwiseEqual("round " + round + ", page-locked input", Map.of("output", asFloats(b.output("output"))),
                                expected);
                    }
                    try (Binding b = e.bind(heap)) {
                        b.run();
                        assertBitwiseEqual("round " + round + ", heap input", Map.of("output", asFloats(b.output("output"))),
                                expected);
                    }
                    assertBitwiseEqual("round " + round + ", device tensors", runDeviceBinding(trt, heap, 2), expected);
                } finally {
                    heap.values().forEach(Tensor::close);
                }
            }
            assertThat(e.stats().counter("tensorrt.bindingContexts")).as(e.stats().toString()).isEqualTo(1);
            Map<String, Tensor> in = inputs(e.inputs(), 1, 128, 9);
            try (Binding first = e.bind(in); Binding second = e.bind(in)) {
                first.run();
                second.run();
                assertThat(asFloats(second.output("output"))).isEqualTo(asFloats(first.output("output")));
            } finally {
                in.values().forEach(Tensor::close);
            }
            EngineStats s = e.stats();
            assertThat(s.counter("tensorrt.bindingContexts")).as(s.toString()).isEqualTo(2);
            assertThat(s.counter("cudaGraphs.cachedGraphs")).as("only the pool's context keeps its graph: " + s).isEqualTo(1);
            assertThat(s.counter("cudaGraphs.uncapturedRuns")).as(s.toString()).isZero();
        }
    }

    @Test
    void concurrentCallersEachUseTheirOwnContextAndGraph() throws Exception {
        try (InferenceEngine plain = tiny("cnn_tiny", false, TensorRtSettings.builder());
             InferenceEngine graphs = tiny("cnn_tiny", true, TensorRtSettings.builder().contextPoolSize(3))) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    int seed = t;
                    done.add(pool.submit(() -> {
                        Map<String, Tensor> in = inputs(graphs.inputs(), 1, 128, seed);
                        try {
                            Map<String, float[]> expected = run(plain, in);
                            for (int i = 0; i < 200; i++) {
                                assertBitwiseEqual("thread " + seed, run(graphs, in), expected);
                            }
                        } finally {
                            in.values().forEach(Tensor::close);
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
            assertThat(graphs.stats().counter("cudaGraphs.uncapturedRuns")).isZero();
        }
    }

    /** 10 000 replays, then many captures and evictions (capacity 2, 5 shapes): GPU memory in use stays flat. */
    @Test
    void gpuMemoryStaysFlatAcrossReplaysAndEvictions() {
        int loops = Integer.getInteger("infer4j.memoryTest.loops", 10_000);
        try (InferenceEngine e = tiny("mlp_tiny", true, TensorRtSettings.builder().contextPoolSize(1).graphCacheCapacity(2))) {
            TensorRtEngine trt = (TensorRtEngine) e;
            Map<String, Tensor> host = inputs(e.inputs(), 1, 128, 1);
            try (Tensor x = trt.allocateDevice("input", 1, 16); Tensor y = trt.allocateDevice("output", 1, 4)) {
                x.copyFrom(host.get("input"));
                try (Binding b = e.bind(Map.of("input", x), Map.of("output", y))) {
                    b.run();
                    long before = usedGpuMemory();
                    for (int i = 0; i < loops; i++) {
                        b.run();
                    }
                    long after = usedGpuMemory();
                    assertThat(after - before).as("GPU memory grew by %d bytes over %d replays", after - before, loops)
                            .isLessThan(2L << 20);
                }
            } finally {
                host.values().forEach(Tensor::close);
            }
            int[] batches = {1, 2, 3, 4, 5};
            runBatches(e, batches); // every shape captured once; evictions have begun
            long before = usedGpuMemory();
            int rounds = Math.max(1, loops / 50);
            for (int r = 0; r < rounds; r++) {
                runBatches(e, batches);
            }
            long after = usedGpuMemory();
            EngineStats s = e.stats();
            assertThat(s.counter("cudaGraphs.evictions")).as(s.toString()).isGreaterThanOrEqualTo(5L * rounds);
            assertThat(s.counter("cudaGraphs.cachedGraphs")).as(s.toString()).isLessThanOrEqualTo(2);
            assertThat(after - before).as("GPU memory grew by %d bytes over %d evictions", after - before,
                    s.counter("cudaGraphs.evictions")).isLessThan(4L << 20);
        }
    }

    private static void runBatches(InferenceEngine e, int[] batches) {
        for (int batch : batches) {
            Map<String, Tensor> in = inputs(e.inputs(), batch, 128, batch);
            try (Outputs out = e.run(in)) {
                assertThat(out.get("output").shape()).isEqualTo(Shape.of(batch, 4));
            } finally {
                in.values().forEach(Tensor::close);
            }
        }
    }

    private static Map<String, float[]> run(InferenceEngine e, Map<String, Tensor> in) {
        try (Outputs out = e.run(in)) {
            Map<String, float[]> values = new LinkedHashMap<>();
            for (TensorInfo o : e.outputs()) {
                values.put(o.name(), asFloats(out.get(o.name())));
            }
            return values;
        }
    }

    /** Device-resident inputs and outputs bound once; runs {@code runs} times (capture, then replays). */
    private static Map<String, float[]> runDeviceBinding(TensorRtEngine e, Map<String, Tensor> host, int runs) {
        List<Tensor> owned = new ArrayList<>();
        try {
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> h : host.entrySet()) {
                Tensor d = e.allocateDevice(h.getKey(), h.getValue().shape().toArray());
                owned.add(d);
                d.copyFrom(h.getValue());
                in.put(h.getKey(), d);
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            Map<String, Tensor> back = new LinkedHashMap<>();
            try (Outputs shapes = e.run(host)) {
                for (TensorInfo o : e.outputs()) {
                    Shape s = shapes.get(o.name()).shape();
                    Tensor d = e.allocateDevice(o.name(), s.toArray());
                    owned.add(d);
                    out.put(o.name(), d);
                    Tensor h = Tensor.allocate(o.elementType(), s.toArray());
                    owned.add(h);
                    back.put(o.name(), h);
                }
            }
            try (Binding b = e.bind(in, out)) {
                for (int i = 0; i < runs; i++) {
                    b.run();
                }
            }
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> o : out.entrySet()) {
                back.get(o.getKey()).copyFrom(o.getValue());
                values.put(o.getKey(), asFloats(back.get(o.getKey())));
            }
            return values;
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    private static float[] asFloats(Tensor t) {
        if (t.elementType() == ElementType.FLOAT32) {
            return t.toFloatArray();
        }
        long[] l = t.toLongArray();
        float[] f = new float[l.length];
        for (int i = 0; i < l.length; i++) {
            f[i] = l[i];
        }
        return f;
    }

    private static void assertBitwiseEqual(String what, Map<String, float[]> actual, Map<String, float[]> expected) {
        assertThat(actual.keySet()).as(what).isEqualTo(expected.keySet());
        expected.forEach((name, values) -> {
            float[] got = actual.get(name);
            assertThat(got).as(what + ": " + name).hasSameSizeAs(values);
            for (int i = 0; i < values.length; i++) {
                if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(values[i])) {
                    throw new AssertionError(what + ": output '" + name + "' differs at " + i + ": " + got[i] + " with graphs, "
                            + values[i] + " without");
                }
            }
        });
    }

    /** Seeded inputs: unknown dimensions are the batch (first) and {@code seq} (others); *ids* integers, *mask* ones. */
    static Map<String, Tensor> inputs(List<TensorInfo> infos, int batch, int seq, long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (TensorInfo info : infos) {
            long[] dims = info.shape().toArray();
            for (int d = 0; d < dims.length; d++) {
                if (dims[d] == Shape.UNKNOWN) {
                    dims[d] = d == 0 ? batch : seq;
                }
            }
            int n = Math.toIntExact(Shape.of(dims).elementCount());
            String lower = info.name().toLowerCase(java.util.Locale.ROOT);
            if (info.elementType() == ElementType.FLOAT32) {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) r.nextGaussian();
                }
                in.put(info.name(), Tensor.of(v, dims));
            } else if (info.elementType() == ElementType.INT64) {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = lower.contains("mask") ? 1 : lower.contains("type") ? 0 : r.nextInt(100);
                }
                in.put(info.name(), Tensor.of(v, dims));
            } else {
                throw new IllegalArgumentException("no generator for " + info);
            }
        }
        return in;
    }

    private static long usedGpuMemory() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            int status = cudart.cudaMemGetInfo(free, total);
            if (status != 0) {
                throw new IllegalStateException("cudaMemGetInfo failed with cudaError " + status);
            }
            return total.get() - free.get();
        }
    }
}
