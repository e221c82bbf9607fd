package org.infer4j.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Int8Calibration;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.infer4j.UnsupportedPrecisionException;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * INT8 post-training calibration on a GPU: the engine runs and agrees with FP32 within the stated bound,
 * the calibration table is stored beside the engines and reused without reading a batch, and bad data is
 * refused before TensorRT reads it. The reference CNN takes {@code [N, 3, 16, 16]} inputs of standard
 * normal values; calibration and evaluation draw from that distribution with different seeds.
 *
 * <p>The bound (docs/precision.md): over 16 evaluation batches, the cosine similarity of all INT8 outputs
 * with the FP32 ones is at least 0.98, and no output is further than 10 % of the FP32 outputs' largest
 * magnitude from its FP32 value.
 */
class Int8CalibrationGpuTest {
    private static final String MODEL = "cnn_tiny";
    private static final long[] SHAPE = {4, 3, 16, 16};
    private static final int CALIBRATION_BATCHES = 8;

    @TempDir
    Path cacheDir;

    private final List<Tensor> tensors = new ArrayList<>();

    @BeforeEach
    void requireGpu() {
        Availability a = Backends.discover().find("tensorrt").orElseThrow().availability();
        assumeTrue(a.isAvailable(), () -> "tensorrt cannot run here: " + a);
    }

    @AfterEach
    void close() {
        tensors.forEach(Tensor::close);
    }

    private Map<String, Tensor> gaussianBatch(long seed, long... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) r.nextGaussian();
        }
        Tensor t = Tensor.of(values, shape);
        tensors.add(t);
        return Map.of("input", t);
    }

    private List<Map<String, Tensor>> calibrationData() {
        List<Map<String, Tensor>> batches = new ArrayList<>();
        for (int i = 0; i < CALIBRATION_BATCHES; i++) {
            batches.add(gaussianBatch(1000 + i, SHAPE));
        }
        return batches;
    }

    private EngineBuilder builder(Precision precision, TensorRtSettings.Builder settings) {
        return InferenceEngine.builder().backend("tensorrt").model(ReferenceModel.named(MODEL).onnxBytes())
                .shapeRange("input", new long[] {1, 3, 16, 16}, SHAPE, SHAPE).precision(precision)
                .settings(settings.cacheDirectory(cacheDir).build());
    }

    @Test
    void anInt8EngineAgreesWithFp32WithinTheStatedBound() {
        Int8Calibration calibration = Int8Calibration.builder(calibrationData()).build();
        double dot = 0;
        double int8Norm = 0;
        double fp32Norm = 0;
        double maxAbsError = 0;
        double maxFp32 = 0;
        try (InferenceEngine fp32 = builder(Precision.FP32, TensorRtSettings.builder()).build();
             InferenceEngine int8 = builder(Precision.INT8, TensorRtSettings.builder()).int8Calibration(calibration).build()) {
            assertThat(int8.stats().counters()).containsEntry("tensorrt.int8.calibrationBatches", (long) CALIBRATION_BATCHES);
            for (int b = 0; b < 16; b++) {
                Map<String, Tensor> in = gaussianBatch(5000 + b, SHAPE);
                try (Outputs expected = fp32.run(in); Outputs actual = int8.run(in)) {
                    float[] e = expected.get("output").toFloatArray();
                    float[] a = actual.get("output").toFloatArray();
                    for (int i = 0; i < e.length; i++) {
                        dot += (double) e[i] * a[i];
                        fp32Norm += (double) e[i] * e[i];
                        int8Norm += (double) a[i] * a[i];
                        maxAbsError = Math.max(maxAbsError, Math.abs(e[i] - a[i]));
                        maxFp32 = Math.max(maxFp32, Math.abs(e[i]));
                    }
                }
            }
        }
        assertThat(dot / Math.sqrt(fp32Norm * int8Norm)).as("cosine similarity with FP32").isGreaterThanOrEqualTo(0.98);
        assertThat(maxAbsError).as("largest error, against the FP32 outputs' largest magnitude " + maxFp32)
                .isLessThanOrEqualTo(0.1 * maxFp32);
    }

    @Test
    void theCalibrationTableIsStoredAndASecondBuildReadsNoBatch() throws Exception {
        AtomicInteger batchesHandedOut = new AtomicInteger();
        List<Map<String, Tensor>> data = calibrationData();
        Iterable<Map<String, Tensor>> counting = () -> new Iterator<>() {
            private final Iterator<Map<String, Tensor>> it = data.iterator();

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Map<String, Tensor> next() {
                batchesHandedOut.incrementAndGet();
                return it.next();
            }
        };
        Int8Calibration calibration = Int8Calibration.builder(counting).identity("gaussian-8x4-v1").build();
        // engines are not cached, so that the second start builds again: only the table can spare the batches
        TensorRtSettings.Builder noEngineCache = TensorRtSettings.builder().engineCache(false);

        Path table;
        try (TensorRtEngine first = (TensorRtEngine) builder(Precision.INT8, noEngineCache).int8Calibration(calibration)
                .build()) {
            assertThat(first.stats().counters()).containsEntry("tensorrt.int8.calibrationBatches", (long) CALIBRATION_BATCHES);
            table = first.calibrationTable().orElseThrow();
        }
        assertThat(table).startsWith(cacheDir);
        assertThat(Files.readString(table, StandardCharsets.US_ASCII)).startsWith("TRT-").contains("EntropyCalibration2");
        int firstBuild = batchesHandedOut.getAndSet(0);

        try (TensorRtEngine second = (TensorRtEngine) builder(Precision.INT8, noEngineCache).int8Calibration(calibration)
                .build()) {
            assertThat(second.stats().counters()).containsEntry("tensorrt.int8.calibrationBatches", 0L);
            assertThat(second.calibrationTable()).hasValue(table);
        }
        assertThat(firstBuild).as("calibration read every batch, and batch 0 once more for the shapes")
                .isEqualTo(CALIBRATION_BATCHES + 1);
        assertThat(batchesHandedOut.get()).as("only batch 0, for the calibration shapes").isEqualTo(1);
    }

    @Test
    void aCachedInt8EngineIsReusedOnlyWithTheSameCalibration() {
        Int8Calibration one = Int8Calibration.builder(calibrationData()).identity("gaussian-v1").build();
        Int8Calibration other = Int8Calibration.builder(calibrationData()).identity("gaussian-v2").build();
        try (InferenceEngine first = builder(Precision.INT8, TensorRtSettings.builder()).int8Calibration(one).build()) {
            assertThat(first.stats().counters()).containsEntry("tensorrt.fromCache", 0L);
        }
        try (InferenceEngine again = builder(Precision.INT8, TensorRtSettings.builder()).int8Calibration(one).build();
             InferenceEngine recalibrated = builder(Precision.INT8, TensorRtSettings.builder()).int8Calibration(other)
                     .build()) {
            assertThat(again.stats().counters()).containsEntry("tensorrt.fromCache", 1L);
            assertThat(recalibrated.stats().counters()).containsEntry("tensorrt.fromCache", 0L)
                    .containsEntry("tensorrt.int8.calibrationBatches", (long) CALIBRATION_BATCHES);
        }
    }

    @Test
    void batchesThatDoNotFitTheModelAreRefusedNamingTheInput() {
        Int8Calibration wrongShape = Int8Calibration.builder(List.of(gaussianBatch(1, 4, 3, 8, 8))).build();
        Int8Calibration wrongName = Int8Calibration.builder(List.of(Map.of("pixels", gaussianBatch(1, SHAPE).get("input"))))
                .build();

        assertThatThrownBy(() -> builder(Precision.INT8, TensorRtSettings.builder()).int8Calibration(wrongShape).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("input 'input'");
        assertThatThrownBy(() -> builder(Precision.INT8, TensorRtSettings.builder()).int8Calibration(wrongName).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("pixels");
    }

    @Test
    void fp32LayersMustExistAndAnInt8BuildKeepingOneRuns() {
        Int8Calibration unknown = Int8Calibration.builder(calibrationData()).keepFp32("/no/such/Layer").build();
        assertThatThrownBy(() -> builder(Precision.INT8, TensorRtSettings.builder()).int8Calibration(unknown).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("/no/such/Layer");

        // the output tensor names the last layer, whatever the exporter called its node
        Int8Calibration keepingHead = Int8Calibration.builder(calibrationData()).keepFp32("output").build();
        try (InferenceEngine e = builder(Precision.INT8, TensorRtSettings.builder()).int8Calibration(keepingHead).build();
             Outputs out = e.run(gaussianBatch(7, SHAPE))) {
            assertThat(out.get("output").shape().toArray()).containsExactly(4, 4);
        }
    }

    @Test
    void int8WithoutCalibrationOnAModelWithoutQuantizeNodesIsRefused() {
        assertThatThrownBy(() -> builder(Precision.INT8, TensorRtSettings.builder()).build())
                .isInstanceOf(UnsupportedPrecisionException.class).hasMessageContaining("EngineBuilder.int8Calibration");
        assertThatThrownBy(() -> builder(Precision.FP8, TensorRtSettings.builder()).build())
                .isInstanceOf(UnsupportedPrecisionException.class);
    }
}
