package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.Availability;
import org.infer4j.ort.internal.RedistLibraries.Library;
import org.infer4j.ort.internal.RedistLibraries.Plan;
import org.infer4j.ort.internal.RedistLibraries.Step;
import org.junit.jupiter.api.Test;

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

    /** This module's test class path, like a CPU-only application's, holds no redist jar: nothing is loaded. */
    @Test
    void withoutRedistJarsNeitherGroupLoadsAnything() {
        assertThat(RedistLibraries.plan(RedistLibraries.CUDA, RedistPreload.class.getClassLoader())).isEqualTo(Plan.NOTHING);
        assertThat(RedistPreload.cuda()).isNull();
        assertThat(RedistPreload.tensorRt()).isNull();
    }
}
