package org.infer4j.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity of the tensorrt backend with ort-cpu on the reference models that
 * {@code ../shared/gpu/models.py} exports (random weights) into {@code $INFER4J_MODELS}
 * (default {@code /opt/gpu/models}). Needs a GPU and those models; skips otherwise.
 *
 * <p>Tolerances, relative to the largest reference value of the output:
 * <ul>
 *   <li>FP32 with TF32 off: 1e-4. GPU kernels sum in another order than ONNX Runtime's CPU
 *       kernels; in FP32 that moves results by a few ulps per accumulation, ~1e-6 relative per layer.
 *   <li>FP16: 2e-2 for the largest difference and 5e-3 for the root-mean-square one. Half precision keeps
 *       11 significant bits (4.9e-4 relative); a 6- or 12-layer encoder compounds that through
 *       softmax and layer norms.
 * </ul>
 * The measured differences are printed, so a tolerance can be checked against what the H100 gave.
 */
class TensorRtReferenceModelsGpuTest {
    private static final Path MODELS = Path.of(System.getenv().getOrDefault("INFER4J_MODELS", "/opt/gpu/models"));
    /** Shared by the tests of one JVM and kept between runs, so engines are built once per machine. */
    private static final Path CACHE = Path.of(System.getProperty("java.io.tmpdir"), "infer4j-reference-engines");

    @BeforeEach
    void requireGpu() {
        Availability a = Backends.discover().find("tensorrt").orElseThrow().availability();
        assumeTrue(a.isAvailable(), () -> "tensorrt cannot run here: " + a);
    }

    private static Path model(String name) {
        Path p = MODELS.resolve(name + ".onnx");
        assumeTrue(Files.isRegularFile(p), () -> p + " is missing: export it with ../shared/gpu/models.py");
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "gru", "resnet50"})
    void anFp32EngineAgreesTightlyWithOrtCpu(String name) {
        Path path = model(name);
        try (InferenceEngine cpu = InferenceEngine.builder().backend("ort-cpu").model(path).build();
             InferenceEngine trt = InferenceEngine.builder().backend("tensorrt").model(path).precision(Precision.FP32)
                     .settings(TensorRtSettings.builder().tf32(false).cacheDirectory(CACHE).build()).build()) {
            Map<String, Tensor> in = randomInputs(cpu, 1, 0, 7);
            try (Outputs expected = cpu.run(in); Outputs actual = trt.run(in)) {
                Difference d = Difference.of(expected.get("output").toFloatArray(), actual.get("output").toFloatArray());
                System.out.printf("%s FP32 (TF32 off) vs ort-cpu: %s%n", name, d);
                assertThat(d.maxAbs()).as("largest difference").isLessThanOrEqualTo(1e-4 * d.scale());
            } finally {
                in.values().forEach(Tensor::close);
            }
        }
    }

    /** One engine, built once for batch 1..4 and sequence 1..256, serves every shape of the issue. */
    @ParameterizedTest
    @ValueSource(strings = {"distilbert", "bert_base"})
    void anFp16TransformerEngineServesDynamicBatchAndSequenceWithinTolerance(String name) {
        Path path = model(name);
        ShapeRange tokens = ShapeRange.of(new long[] {1, 1}, new long[] {1, 128}, new long[] {4, 256});
        try (InferenceEngine cpu = InferenceEngine.builder().backend("ort-cpu").model(path).build();
             InferenceEngine trt = InferenceEngine.builder().backend("tensorrt").model(path).precision(Precision.FP16)
                     .shapeRange("input_ids", tokens).shapeRange("attention_mask", tokens)
                     .settings(TensorRtSettings.builder().cacheDirectory(CACHE).build()).build()) {
            for (int[] shape : new int[][] {{1, 32}, {1, 128}, {4, 256}}) {
                Map<String, Tensor> in = randomInputs(cpu, shape[0], shape[1], 11);
                try (Outputs expected = cpu.run(in); Outputs actual = trt.run(in)) {
                    assertThat(actual.get("output").shape()).isEqualTo(expected.get("output").shape());
                    Difference d = Difference.of(expected.get("output").toFloatArray(), actual.get("output").toFloatArray());
                    System.out.printf("%s FP16 %dx%d vs ort-cpu: %s%n", name, shape[0], shape[1], d);
                    assertThat(d.maxAbs()).as("largest difference at %dx%d", shape[0], shape[1])
                            .isLessThanOrEqualTo(2e-2 * d.scale());
                    assertThat(d.rms()).as("root-mean-square difference at %dx%d", shape[0], shape[1])
                            .isLessThanOrEqualTo(5e-3 * d.scale());
                } finally {
                    in.values().forEach(Tensor::close);
                }
            }
        }
    }

    /** Seeded inputs for every model input: normal floats, or token ids below 30 000 with a full mask. */
    private static Map<String, Tensor> randomInputs(InferenceEngine engine, int batch, int seq, long seed) {
        Random random = new Random(seed);
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (TensorInfo info : engine.inputs()) {
            long[] shape = info.shape().toArray();
            shape[0] = batch;
            if (info.elementType() == ElementType.INT64) {
                shape[1] = seq;
                long[] values = new long[Math.toIntExact((long) batch * seq)];
                boolean mask = info.name().contains("mask");
                for (int i = 0; i < values.length; i++) {
                    values[i] = mask ? 1 : random.nextInt(30_000);
                }
                in.put(info.name(), Tensor.of(values, shape));
            } else {
                long count = 1;
                for (long d : shape) {
                    count *= d;
                }
                float[] values = new float[Math.toIntExact(count)];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextGaussian();
                }
                in.put(info.name(), Tensor.of(values, shape));
            }
        }
        return in;
    }

    /** Differences of two outputs; {@code scale} is the largest magnitude of the reference, at least 1. */
    private record Difference(double maxAbs, double rms, double scale) {
        static Difference of(float[] expected, float[] actual) {
            assertThat(actual).hasSameSizeAs(expected);
            double max = 0;
            double squares = 0;
            double scale = 1;
            for (int i = 0; i < expected.length; i++) {
                double d = Math.abs(expected[i] - actual[i]);
                assertThat(Double.isNaN(d)).as("element %d is a number", i).isFalse();
                max = Math.max(max, d);
                squares += d * d;
                scale = Math.max(scale, Math.abs(expected[i]));
            }
            return new Difference(max, Math.sqrt(squares / expected.length), scale);
        }

        @Override
        public String toString() {
            return String.format("max-abs %.3g, rms %.3g, largest reference magnitude %.3g", maxAbs, rms, scale);
        }
    }
}
