package org.infer4j.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.BackendStatus;
import org.infer4j.BackendUnavailableException;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Tensor;
import org.infer4j.UnsupportedPrecisionException;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.Test;

/** What the ONNX Runtime backends do beyond the shared contract, on the CPU. */
class OrtBackendTest {

    private static InferenceEngine cpuEngine(String model) {
        return InferenceEngine.builder().backend("ort-cpu").model(ReferenceModel.named(model).onnxBytes()).build();
    }

    @Test
    void registersThreeBackendsRankedForTheAutomaticChoice() {
        List<BackendStatus> statuses = Backends.discover().statuses();
        assertThat(statuses).extracting(BackendStatus::name).containsExactly("ort-tensorrt", "ort-cuda", "ort-cpu");
        assertThat(statuses).extracting(BackendStatus::priority).containsExactly(900, 500, 100);
        assertThat(statuses.get(2).isAvailable()).as("ort-cpu runs anywhere ONNX Runtime loads").isTrue();
        assertThat(statuses.get(2).availability().detail()).contains("ONNX Runtime 1.29.0");
    }

    @Test
    void anUnavailableGpuBackendSaysWhyAndWhatToDo() {
        for (BackendStatus s : Backends.discover().statuses()) {
            if (!s.isAvailable()) {
                assertThat(s.availability().detail()).as(s.name()).isNotBlank();
                assertThat(s.availability().remedy()).as(s.name()).isNotBlank();
                assertThatThrownBy(() -> InferenceEngine.builder().backend(s.name())
                        .model(ReferenceModel.named("mlp_tiny").onnxBytes()).build())
                        .isInstanceOf(BackendUnavailableException.class)
                        .hasMessageContaining(s.name()).hasMessageContaining(s.availability().detail())
                        .hasMessageContaining("To fix");
            }
        }
    }

    @Test
    void theAutomaticChoiceIsTheAvailableBackendOfHighestPriority() {
        String expected = Backends.discover().statuses().stream().filter(BackendStatus::isAvailable).findFirst()
                .orElseThrow().name();
        try (InferenceEngine e = InferenceEngine.builder().model(ReferenceModel.named("mlp_tiny").onnxBytes()).build()) {
            assertThat(e.backend()).isEqualTo(expected);
        }
    }

    @Test
    void anUnknownBackendNameListsTheKnownOnes() {
        assertThatThrownBy(() -> InferenceEngine.builder().backend("ort-gpu").model(new byte[] {1}).build())
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("'ort-gpu'").hasMessageContaining("ort-cuda").hasMessageContaining("ort-cpu");
    }

    @Test
    void carriesEveryElementTypeThroughUnchanged() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("in_f32", Tensor.of(new float[] {1.5f, -2f, 3.25f}, 3));
        in.put("in_f16", Tensor.ofFloat16(new float[] {0.5f, 65504f, -1e-3f}, 3));
        in.put("in_bf16", Tensor.ofBFloat16(new float[] {1f, -3.5f, 1e20f}, 3));
        in.put("in_i8", Tensor.ofInt8(new byte[] {-128, 0, 127}, 3));
        in.put("in_u8", Tensor.ofUint8(new byte[] {0, (byte) 200, (byte) 255}, 3));
        in.put("in_i32", Tensor.of(new int[] {Integer.MIN_VALUE, 0, 7}, 3));
        in.put("in_i64", Tensor.of(new long[] {Long.MAX_VALUE, -1, 30522}, 3));
        in.put("in_bool", Tensor.of(new boolean[] {true, false, true}, 3));
        try (InferenceEngine e = cpuEngine("dtypes"); Outputs out = e.run(in)) {
            for (var entry : in.entrySet()) {
                Tensor produced = out.get(entry.getKey().replace("in_", "out_"));
                assertThat(produced.elementType()).isEqualTo(entry.getValue().elementType());
                assertThat(produced.buffer()).as(entry.getKey()).isEqualTo(entry.getValue().buffer());
            }
            assertThat(out.get("out_u8").toIntArray()).containsExactly(0, 200, 255);
            assertThat(out.get("out_f16").toFloatArray()).containsExactly(0.5f, 65504f, -0.0010004044f);
        } finally {
            in.values().forEach(Tensor::close);
        }
    }

    @Test
    void rejectsFp16OnBackendsThatCannotConvertTheModel() {
        assertThatThrownBy(() -> InferenceEngine.builder().backend("ort-cpu").precision(Precision.FP16)
                .model(ReferenceModel.named("mlp_tiny").onnxBytes()).build())
                .isInstanceOf(UnsupportedPrecisionException.class).hasMessageContaining("ort-tensorrt");
    }

    @Test
    void rejectsInt8OnBackendsThatRunTheModelAsExportedNamingTheWaysToInt8() {
        assertThatThrownBy(() -> InferenceEngine.builder().backend("ort-cpu").precision(Precision.INT8)
                .model(ReferenceModel.named("mlp_tiny").onnxBytes()).build())
                .isInstanceOf(UnsupportedPrecisionException.class)
                .hasMessageContaining("ort-cpu").hasMessageContaining("Precision.INT8 does not apply")
                .hasMessageContaining("Int8Calibration").hasMessageContaining("QuantizeLinear");
    }

    @Test
    void rejectsAnUnknownOptionListingTheValidForms() {
        assertThatThrownBy(() -> InferenceEngine.builder().backend("ort-cpu").option("threads", "4")
                .model(ReferenceModel.named("mlp_tiny").onnxBytes()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'threads'")
                .hasMessageContaining("session.<key>");
        assertThatThrownBy(() -> InferenceEngine.builder().backend("ort-cpu").option("trt.trt_fp16_enable", "1")
                .model(ReferenceModel.named("mlp_tiny").onnxBytes()).build())
                .as("TensorRT options do not apply to ort-cpu").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void passesSessionConfigEntriesAndTypedSettingsToOnnxRuntime() {
        try (InferenceEngine e = InferenceEngine.builder().backend("ort-cpu")
                .settings(OrtSettings.builder().intraOpThreads(1).graphOptimization(OrtSettings.GraphOptimization.BASIC).build())
                .option("session.session.intra_op.allow_spinning", "0")
                .model(ReferenceModel.named("mlp_tiny").onnxBytes()).build();
             Tensor x = Tensor.allocate(ElementType.FLOAT32, 1, 16); Outputs out = e.run(Map.of("input", x))) {
            assertThat(out.get("output").elementCount()).isEqualTo(4);
        }
    }

    @Test
    void aShapeRangeForAnInputTheModelLacksIsRejected() {
        assertThatThrownBy(() -> InferenceEngine.builder().backend("ort-cpu")
                .shapeRange("pixels", new long[] {1, 16}, new long[] {1, 16}, new long[] {8, 16})
                .model(ReferenceModel.named("mlp_tiny").onnxBytes()).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'pixels'").hasMessageContaining("input");
    }

    @Test
    void aShapeProblemOnlyOnnxRuntimeSeesIsAnInvalidInputNamingTheInputsOnOneLine() {
        // encoder_tiny adds a position embedding of 512 rows: a longer sequence fits the metadata but not the model
        try (InferenceEngine e = cpuEngine("encoder_tiny");
             Tensor ids = Tensor.allocate(ElementType.INT64, 1, 600);
             Tensor mask = Tensor.allocate(ElementType.INT64, 1, 600)) {
            assertThatThrownBy(() -> e.run(Map.of("input_ids", ids, "attention_mask", mask)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("ort-cpu cannot run")
                    .hasMessageContaining("input_ids INT64[1, 600]").hasMessageContaining("attention_mask INT64[1, 600]")
                    .hasMessageContaining("Gather node '/pos/Gather': indices element out of data bounds, idx=512")
                    .hasMessageNotContaining("\n").hasMessageNotContaining("onnxruntime_src").hasMessageNotContaining("Error code")
                    .hasCauseInstanceOf(ai.onnxruntime.OrtException.class);
        }
    }

    @Test
    void idsAndMaskOfDifferentLengthsAreAnInvalidInputNamingThem() {
        try (InferenceEngine e = cpuEngine("encoder_tiny");
             Tensor ids = Tensor.allocate(ElementType.INT64, 1, 8);
             Tensor mask = Tensor.allocate(ElementType.INT64, 1, 7)) {
            assertThatThrownBy(() -> e.run(Map.of("input_ids", ids, "attention_mask", mask)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("input 'attention_mask' has shape [1, 7]")
                    .hasMessageContaining("input 'input_ids'").hasMessageContaining("'seq'");
        }
    }

    @Test
    void aWrongElementTypeIsAnInvalidInputBeforeOnnxRuntimeRuns() {
        try (InferenceEngine e = cpuEngine("encoder_tiny");
             Tensor ids = Tensor.allocate(ElementType.INT32, 1, 8);
             Tensor mask = Tensor.allocate(ElementType.INT64, 1, 8)) {
            assertThatThrownBy(() -> e.run(Map.of("input_ids", ids, "attention_mask", mask)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("input 'input_ids' is INT32 but the model expects INT64").hasNoCause();
        }
    }

    @Test
    void aBindingWithMismatchedInputsIsRefusedAtBindTime() {
        try (InferenceEngine e = cpuEngine("encoder_tiny");
             Tensor ids = Tensor.allocate(ElementType.INT64, 2, 8);
             Tensor mask = Tensor.allocate(ElementType.INT64, 1, 8)) {
            assertThatThrownBy(() -> e.bind(Map.of("input_ids", ids, "attention_mask", mask)))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("'batch'");
        }
    }

    @Test
    void closingTheOutputsOfARunFreesTheirMemoryAtOnce() {
        try (InferenceEngine e = cpuEngine("cnn_tiny"); Tensor x = Tensor.allocate(ElementType.FLOAT32, 1, 3, 16, 16)) {
            Outputs out = e.run(Map.of("input", x));
            long bytes = out.get("output").byteSize();
            long whileOpen = directMemoryUsed();
            out.close();
            assertThat(whileOpen - directMemoryUsed()).as("bytes returned to the direct-memory pool").isGreaterThanOrEqualTo(bytes);
        }
    }

    @Test
    void aBindingRefusesToRunOnceATensorBoundToItIsClosedSinceItsMemoryIsGone() {
        try (InferenceEngine e = cpuEngine("mlp_tiny"); Tensor x = Tensor.allocate(ElementType.FLOAT32, 1, 16)) {
            Tensor y = Tensor.allocate(ElementType.FLOAT32, 1, 4);
            try (Binding b = e.bind(Map.of("input", x), Map.of("output", y))) {
                b.run();
                y.close();
                assertThatThrownBy(b::run).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("bound output 'output' (FLOAT32[1, 4] on HOST) was closed")
                        .hasMessageContaining("bind open tensors");
            }
            try (Binding b = e.bind(Map.of("input", x))) {
                b.run();
                b.output("output").close();
                assertThatThrownBy(b::run).as("an output the binding allocated").isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("bound output 'output'");
            }
        }
    }

    private static long directMemoryUsed() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow().getMemoryUsed();
    }
}
