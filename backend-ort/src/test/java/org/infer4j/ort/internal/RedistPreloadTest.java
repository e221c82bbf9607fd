package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.infer4j.Availability;
import org.infer4j.ort.internal.RedistLibraries.Library;
import org.infer4j.ort.internal.RedistLibraries.Plan;
import org.infer4j.ort.internal.RedistLibraries.Step;
import org.infer4j.spi.SharedLibraries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a plan: in its order, under the presets' names, stopping at and naming the first library that fails. */
class RedistPreloadTest {
    private static final String ORIGIN = "org.bytedeco:cuda:12.6-9.5-1.5.11";

    private static Plan planOf(List<Library> libraries) throws Exception {
        List<Step> steps = new ArrayList<>();
        for (Library library : libraries) {
            URL url = URI.create("jar:file:/m2/cuda-redist.jar!/" + library.resource()).toURL();
            steps.add(new Step(library, url, ORIGIN));
        }
        return new Plan(steps, null);
    }

    @Test
    void loadsEveryLibraryInThePlansOrderUnderTheNameThePresetsUse() throws Exception {
        List<String> calls = new ArrayList<>();

        Availability problem = RedistPreload.load(planOf(RedistLibraries.CUDA), (url, name) -> {
            calls.add(name);
            return "/cache/" + name;
        });

        assertThat(problem).isNull();
        assertThat(calls).containsExactlyElementsOf(RedistLibraries.CUDA.stream().map(Library::javacppName).toList());
        assertThat(calls).startsWith("cudart@.12", "cublasLt@.12", "cublas@.12");
    }

    @Test
    void stopsAtTheFirstLibraryThatDoesNotLoadAndNamesItWithTheLoadersMessage() throws Exception {
        List<String> calls = new ArrayList<>();

        Availability problem = RedistPreload.load(planOf(RedistLibraries.CUDA), (url, name) -> {
            calls.add(name);
            if (name.equals("cudnn_graph@.9")) {
                throw new UnsatisfiedLinkError("/root/.javacpp/cache/libcudnn_graph.so.9: libz.so.1: cannot open shared "
                        + "object file: No such file or directory");
            }
            return "/cache/" + name;
        });

        assertThat(problem).isNotNull();
        assertThat(problem.isAvailable()).isFalse();
        assertThat(problem.detail()).startsWith("libcudnn_graph.so.9 of " + ORIGIN + " did not load: ").contains("libz.so.1");
        assertThat(problem.remedy()).contains("nvidia-smi", "org.bytedeco.javacpp.cachedir");
        assertThat(problem.cause()).isInstanceOf(UnsatisfiedLinkError.class);
        assertThat(calls).endsWith("cudnn_graph@.9").doesNotContain("cudnn_ops@.9");
    }

    @Test
    void aPlanWithAProblemOrNothingToLoadLoadsNothing() {
        Availability tooOld = Availability.unavailable("libcudart.so.12 is not on the class path", "depend on ...");
        List<String> calls = new ArrayList<>();
        RedistPreload.LibraryLoader recording = (url, name) -> {
            calls.add(name);
            return name;
        };

        assertThat(RedistPreload.load(Plan.problem(tooOld), recording)).isSameAs(tooOld);
        assertThat(RedistPreload.load(Plan.NOTHING, recording)).isNull();
        assertThat(calls).isEmpty();
    }

    /**
     * The mechanism itself, with two tiny libraries (tiny-libs/README.md) in a jar laid out as JavaCPP's redist jars:
     * through JavaCPP's Loader, a library whose dependency is not loaded fails with the loader's own reason naming
     * that dependency (not JavaCPP's last resort, the system's library path); loaded after it, as a plan orders them,
     * it loads, its dependency found by soname although neither lies where the dynamic loader looks. JavaCPP's cache
     * is under target/ (see the pom).
     */
    @Test
    void throughJavaCppALibraryLoadsOnceWhatItNeedsIsLoadedAndOtherwiseNamesIt(@TempDir Path dir) throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"),
                "the tiny libraries are x86-64 Linux ones");
        Path jar = dir.resolve("tiny-redist.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            for (String name : List.of("libinfer4j-present.so.1", "libinfer4j-needs-present.so.1")) {
                zip.putNextEntry(new ZipEntry("org/bytedeco/cuda/linux-x86_64/" + name));
                try (InputStream in = RedistPreloadTest.class.getResourceAsStream("tiny-libs/" + name)) {
                    assertThat(in).as(name).isNotNull();
                    in.transferTo(zip);
                }
            }
        }
        try (URLClassLoader classPath = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            Library present = new Library("libinfer4j-present.so.1", "infer4j-present@.1", "cuda");
            Library needsPresent = new Library("libinfer4j-needs-present.so.1", "infer4j-needs-present@.1", "cuda");
            Step first = new Step(present, classPath.getResource(present.resource()), ORIGIN);
            Step second = new Step(needsPresent, classPath.getResource(needsPresent.resource()), ORIGIN);

            Availability outOfOrder = RedistPreload.load(new Plan(List.of(second), null), RedistPreload.JavaCppLoader::load);
            assertThat(outOfOrder).isNotNull();
            assertThat(outOfOrder.detail()).startsWith("libinfer4j-needs-present.so.1 of " + ORIGIN + " did not load: ")
                    .contains("libinfer4j-present.so.1: cannot open shared object file").doesNotContain("java.library.path");

            assertThat(RedistPreload.load(new Plan(List.of(first, second), null), RedistPreload.JavaCppLoader::load)).isNull();
            assertThat(SharedLibraries.ofThisProcess().missing(List.of("libinfer4j-present.so.1",
                    "libinfer4j-needs-present.so.1"))).as("both mapped into the process").isEmpty();
        }
    }

    /** This module's test class path, like a CPU-only application's, holds no redist jar: nothing is loaded. */
    @Test
    void withoutRedistJarsNeitherGroupLoadsAnything() {
        assertThat(RedistLibraries.plan(RedistLibraries.CUDA, RedistPreload.class.getClassLoader())).isEqualTo(Plan.NOTHING);
        assertThat(RedistPreload.cuda()).isNull();
        assertThat(RedistPreload.tensorRt()).isNull();
    }
}
