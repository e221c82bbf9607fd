package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.infer4j.Availability;
import org.infer4j.Precision;
import org.infer4j.ShapeRange;
import org.infer4j.ort.OrtSettings;
import org.infer4j.spi.EngineConfig;
import org.junit.jupiter.api.Test;

class OrtNativeTest {

    @Test
    void namesTheMissingLibraryFromALoaderError() {
        String message = "Failed to load library /tmp/onnxruntime-java1/libonnxruntime_providers_cuda.so with error: "
                + "libcublasLt.so.12: cannot open shared object file: No such file or directory";
        Availability a = OrtNative.cudaFailure(message, new RuntimeException(message));
        assertThat(a.isAvailable()).isFalse();
        assertThat(a.detail()).startsWith("libcublasLt.so.12 not found");
        assertThat(a.remedy()).contains("CUDA 12").contains("LD_LIBRARY_PATH");
    }

    @Test
    void recognisesAMachineWithoutAGpuAndAnOldDriver() {
        assertThat(OrtNative.cudaFailure("CUDA failure 100: no CUDA-capable device is detected ; GPU=0", null).detail())
                .isEqualTo("no CUDA device is visible to this process");
        assertThat(OrtNative.cudaFailure("CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version", null)
                .remedy()).contains("driver");
    }

    @Test
    void keepsAnUnrecognisedMessageWhole() {
        assertThat(OrtNative.cudaFailure("something new", null).detail()).endsWith("something new");
        assertThat(OrtNative.missingLibrary("out of memory")).isNull();
    }

    @Test
    void tensorRtProviderOptionsCarryPrecisionCachesProfilesAndTheUsersOverrides() {
        EngineConfig config = new EngineConfig(null, new byte[] {1}, 0, Precision.FP16,
                Map.of("input_ids", ShapeRange.of(new long[] {1, 1}, new long[] {1, 128}, new long[] {8, 512})), List.of(),
                Map.of("trt.trt_builder_optimization_level", "5", "trt.trt_fp16_enable", "0"));
        OrtSettings settings = OrtSettings.builder().tensorRtCacheDirectory(Path.of("/cache")).tensorRtWorkspaceBytes(1L << 30)
                .build();
        Map<String, String> o = OrtTensorRtProvider.providerOptions(config, settings, null);
        assertThat(o).containsEntry("trt_engine_cache_enable", "1").containsEntry("trt_engine_cache_path", "/cache")
                .containsEntry("trt_timing_cache_path", "/cache").containsEntry("trt_max_workspace_size", "1073741824")
                .containsEntry("trt_profile_min_shapes", "input_ids:1x1").containsEntry("trt_profile_opt_shapes", "input_ids:1x128")
                .containsEntry("trt_profile_max_shapes", "input_ids:8x512")
                .containsEntry("trt_builder_optimization_level", "5")
                .as("the user's explicit option wins over the precision").containsEntry("trt_fp16_enable", "0");
    }

    @Test
    void ortTensorRtFp32EnginesUseTf32UnlessTheEnvironmentOverridesIt() {
        assertThat(OrtTensorRtProvider.usesTf32(Precision.FP32, null)).isTrue();
        assertThat(OrtTensorRtProvider.usesTf32(Precision.FP32, "1")).isTrue();
        assertThat(OrtTensorRtProvider.usesTf32(Precision.FP32, "0")).as("NVIDIA_TF32_OVERRIDE=0").isFalse();
        assertThat(OrtTensorRtProvider.usesTf32(Precision.FP16, null)).isFalse();
        assertThat(OrtTensorRtProvider.TF32_WARNING).contains("NVIDIA_TF32_OVERRIDE=0", "tensorrt", "ort-cuda");
    }

    @Test
    void ortTensorRtExplainsATensorItsShapeInferenceLeftWithoutShape() {
        String ort = "Error code - ORT_FAIL - message: Exception during initialization: /onnxruntime_src/onnxruntime/core/"
                + "providers/tensorrt/tensorrt_execution_provider.cc:2344 SubGraphCollection_t ... [ONNXRuntimeError] : 1 : "
                + "FAIL : TensorRT input: /NonZero_output_0 has no shape specified. Please run shape inference on the onnx "
                + "model first.";
        assertThat(new OrtTensorRtProvider().loadFailure("nonzero.onnx", ort))
                .startsWith("ort-tensorrt could not load nonzero.onnx: ")
                .contains("'/NonZero_output_0'", "ort-cuda", "symbolic_shape_infer")
                .doesNotContain("onnxruntime_src");
    }

    @Test
    void otherLoadFailuresKeepOnnxRuntimesMessage() {
        assertThat(new OrtTensorRtProvider().loadFailure("m.onnx", "Protobuf parsing failed."))
                .isEqualTo("ort-tensorrt could not load m.onnx: Protobuf parsing failed.");
    }
}
