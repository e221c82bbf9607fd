package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.infer4j.Availability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding shared libraries as the loader would, and what ort-cuda and ort-tensorrt say when some are missing. */
class SharedLibrariesTest {

    @TempDir
    Path dir;

    private Path library(String folder, String name) throws IOException {
        Path f = Files.createDirectories(dir.resolve(folder));
        return Files.createFile(f.resolve(name));
    }

    /** An ld.so cache in the 1.1 format's spirit: a header, then NUL-terminated sonames and paths. */
    private static byte[] ldCache(String... sonameAndPath) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("glibc-ld.so.cache1.1".getBytes(StandardCharsets.US_ASCII));
        out.write(0);
        for (String s : sonameAndPath) {
            out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            out.write(0);
        }
        return out.toByteArray();
    }

    @Test
    void findsALibraryInTheLoadersFoldersInItsCacheOrAlreadyLoaded() throws IOException {
        library("ld-path", "libcudart.so.12");
        Path cached = library("cuda/lib64", "libcublas.so.12");
        SharedLibraries libs = new SharedLibraries(List.of(dir.resolve("ld-path")),
                ldCache("libcublas.so.12", cached.toString(), "libgone.so.1", dir.resolve("deleted/libgone.so.1").toString()),
                Set.of("libcurand.so.10"), List.of());

        assertThat(libs.has("libcudart.so.12")).as("in a folder of LD_LIBRARY_PATH").isTrue();
        assertThat(libs.has("libcublas.so.12")).as("in the ld.so cache").isTrue();
        assertThat(libs.has("libcurand.so.10")).as("loaded already").isTrue();
        assertThat(libs.has("libgone.so.1")).as("cached, but the file is gone").isFalse();
        assertThat(libs.has("libcublasLt.so.12")).isFalse();
        assertThat(libs.has("cublas.so.12")).as("a whole file name, not a suffix").isFalse();
        assertThat(libs.missing(List.of("libcudart.so.12", "libcudnn.so.9", "libcublas.so.12", "libnvinfer.so.10")))
                .containsExactly("libcudnn.so.9", "libnvinfer.so.10");
    }

    @Test
    void knowsAFolderTheLoaderDoesNotSearch() throws IOException {
        library("usr-local-cuda/lib64", "libcudart.so.12");
        SharedLibraries libs = new SharedLibraries(List.of(), new byte[0], Set.of(), List.of(dir.resolve("usr-local-cuda/lib64")));
        assertThat(libs.has("libcudart.so.12")).isFalse();
        assertThat(libs.elsewhere("libcudart.so.12")).contains(dir.resolve("usr-local-cuda/lib64"));
        assertThat(libs.elsewhere("libcublas.so.12")).isEmpty();
    }

    @Test
    void readsLdLibraryPathAsTheLoaderDoes() {
        assertThat(SharedLibraries.folders("/opt/cuda/lib64::/opt/trt/lib:")).containsExactly(Path.of("/opt/cuda/lib64"),
                Path.of("/opt/trt/lib"));
        assertThat(SharedLibraries.folders(null)).isEmpty();
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
