package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.infer4j.Availability;
import org.infer4j.spi.SharedLibraries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What ort-cuda and ort-tensorrt say when libraries they need are missing. */
class MissingLibrariesTest {

    @TempDir
    Path dir;

    private Path library(String folder, String name) throws IOException {
        Path f = Files.createDirectories(dir.resolve(folder));
        return Files.createFile(f.resolve(name));
    }

    @Test
    void withoutTheDriverNothingElseIsCheckedAndTheReasonSaysSo() {
        SharedLibraries none = new SharedLibraries(List.of(), new byte[0], Set.of(), List.of());
        Availability a = OrtNative.missingLibraries(none, "ONNX Runtime's CUDA provider", OrtNative.CUDA_LIBRARIES);
        assertThat(a).isNotNull();
        assertThat(a.detail()).startsWith("no NVIDIA driver: libcuda.so.1 is not in LD_LIBRARY_PATH, the ld.so cache and /lib");
        assertThat(a.remedy()).contains("NVIDIA GPU", "nvidia-smi");
        assertThat(a.cause()).isNull();
    }

    @Test
    void namesEveryMissingLibraryAndWhatBringsIt() throws IOException {
        library("lib", "libcuda.so.1");
        library("lib", "libcudart.so.12");
        library("lib", "libcurand.so.10");
        SharedLibraries libs = new SharedLibraries(List.of(dir.resolve("lib")), new byte[0], Set.of(), List.of());
        Availability a = OrtNative.missingLibraries(libs, "ONNX Runtime's CUDA provider", OrtNative.CUDA_LIBRARIES);
        assertThat(a).isNotNull();
        assertThat(a.detail()).startsWith("libcublas.so.12, libcublasLt.so.12 and libcudnn.so.9 not found "
                + "(needed by ONNX Runtime's CUDA provider; searched LD_LIBRARY_PATH");
        assertThat(a.remedy()).isEqualTo("install cuBLAS 12 (libcublas-12-x) and cuDNN 9 for CUDA 12 (libcudnn9-cuda-12) and "
                + "put the libraries' folder on LD_LIBRARY_PATH, or depend on org.infer4j:infer4j-gpu-redist (type pom), "
                + "which carries them (README: supported native matrix)");
    }

    @Test
    void aLibraryWhereTheLoaderDoesNotLookIsNamedWithItsFolder() throws IOException {
        library("lib", "libcuda.so.1");
        for (String l : OrtNative.CUDA_LIBRARIES) {
            library("lib", l);
        }
        library("tensorrt/lib", "libnvinfer.so.10");
        SharedLibraries libs = new SharedLibraries(List.of(dir.resolve("lib")), new byte[0], Set.of(),
                List.of(dir.resolve("tensorrt/lib")));
        List<String> needed = new java.util.ArrayList<>(OrtNative.CUDA_LIBRARIES);
        needed.addAll(OrtNative.TENSORRT_LIBRARIES);
        Availability a = OrtNative.missingLibraries(libs, "ONNX Runtime's TensorRT provider", needed);
        assertThat(a).isNotNull();
        assertThat(a.detail()).startsWith("libnvinfer.so.10 and libnvonnxparser.so.10 not found (needed by")
                .contains("libnvinfer.so.10 is in " + dir.resolve("tensorrt/lib") + ", where the loader does not look");
        assertThat(a.remedy()).contains("install TensorRT 10.x").contains("add " + dir.resolve("tensorrt/lib") + " to LD_LIBRARY_PATH");
    }

    @Test
    void withEveryLibraryThereTheProviderIsLeftToLoad() throws IOException {
        library("lib", "libcuda.so.1");
        for (String l : OrtNative.CUDA_LIBRARIES) {
            library("lib", l);
        }
        SharedLibraries libs = new SharedLibraries(List.of(dir.resolve("lib")), new byte[0], Set.of(), List.of());
        assertThat(OrtNative.missingLibraries(libs, "ONNX Runtime's CUDA provider", OrtNative.CUDA_LIBRARIES)).isNull();
    }
}
