package org.infer4j.tensorrt.internal.nativeinterop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.infer4j.Availability;
import org.infer4j.spi.SharedLibraries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The availability check decides "no NVIDIA driver" from the loader's view, before any native code loads. */
class NativeStackTest {

    @Test
    void aLoaderViewWithoutTheDriverMakesTheBackendUnavailableNamingTheDriver() {
        SharedLibraries none = new SharedLibraries(List.of(), new byte[0], Set.of(), List.of());

        Availability a = NativeStack.withoutDriver(none);

        assertThat(a).isNotNull();
        assertThat(a.isAvailable()).isFalse();
        assertThat(a.detail()).startsWith("no NVIDIA driver: libcuda.so.1 is not in LD_LIBRARY_PATH")
                .contains("libnvinfer.so.10");
        assertThat(a.remedy()).contains("NVIDIA GPU", "nvidia-smi");
        assertThat(a.cause()).isNull();
    }

    @Test
    void withTheDriverThereTheNativesAreLeftToTell(@TempDir Path dir) throws IOException {
        Files.createFile(dir.resolve("libcuda.so.1"));
        SharedLibraries withDriver = new SharedLibraries(List.of(dir), new byte[0], Set.of(), List.of());

        assertThat(NativeStack.withoutDriver(withDriver)).isNull();
    }

    @Test
    void onALinuxMachineWithoutADriverNothingIsLoadedToFindOut() {
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"));
        assumeFalse(SharedLibraries.ofThisProcess().has(SharedLibraries.NVIDIA_DRIVER), "this machine has an NVIDIA driver");

        Availability a = NativeStack.availability();

        assertThat(a.isAvailable()).isFalse();
        assertThat(a.detail()).startsWith("no NVIDIA driver: libcuda.so.1 is not in");
        assertThat(a.cause()).as("no native load was tried, so no loader error came back").isNull();
        assertThat(SharedLibraries.ofThisProcess().has("libjnicudart.so")).as("JavaCPP's CUDA bindings stay unloaded")
                .isFalse();
    }
}
