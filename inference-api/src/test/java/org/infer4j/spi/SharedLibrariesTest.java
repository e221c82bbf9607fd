package org.infer4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding shared libraries as Linux's loader would, without loading them. */
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
}
