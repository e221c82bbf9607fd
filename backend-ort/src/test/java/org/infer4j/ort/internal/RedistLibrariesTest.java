package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.infer4j.Availability;
import org.infer4j.ort.internal.RedistLibraries.Library;
import org.infer4j.ort.internal.RedistLibraries.Plan;
import org.infer4j.ort.internal.RedistLibraries.Step;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preload plan for JavaCPP's redist jars: which libraries, in which order, from which jar, worked out from the
 * class path alone. The jars here are stand-ins with the real jars' layout and Maven metadata and empty files.
 */
class RedistLibrariesTest {
    private static final String CUDA_REDIST = "12.9-9.10-1.5.12";
    private static final String CUDA = "12.6-9.5-1.5.11";
    private static final String TENSORRT = "10.6-1.5.11";

    @TempDir
    Path dir;

    /** A jar laid out as JavaCPP's: files under org/bytedeco/PRESET/linux-x86_64/ and META-INF/maven metadata. */
    private Path jar(String artifact, String version, String preset, List<String> files) throws IOException {
        Path jar = dir.resolve(artifact + "-" + version + "-" + RedistLibraries.jarClassifier(artifact) + ".jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            zip.putNextEntry(new ZipEntry("META-INF/maven/org.bytedeco/" + artifact + "/pom.properties"));
            zip.write(("groupId=org.bytedeco\nartifactId=" + artifact + "\nversion=" + version + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            for (String file : files) {
                zip.putNextEntry(new ZipEntry("org/bytedeco/" + preset + "/linux-x86_64/" + file));
            }
        }
        return jar;
    }

    private static List<String> fileNames(List<Library> libraries) {
        return libraries.stream().map(Library::fileName).toList();
    }

    /** The CUDA 12.6 redist jar's libraries that matter here (the real one holds NPP, cuFFT and more besides). */
    private Path cudaJar(String... leaveOut) throws IOException {
        List<String> files = new ArrayList<>(fileNames(RedistLibraries.CUDA));
        files.addAll(List.of("libcufft.so.11", "libnppc.so.12"));
        files.removeAll(List.of(leaveOut));
        return jar("cuda", CUDA, "cuda", files);
    }

    /** The cuda-redist 12.9 jar: the CUDA runtime, NVRTC, cuRAND and others, no cuBLAS or cuDNN. */
    private Path cudaRedistJar() throws IOException {
        return jar("cuda-redist", CUDA_REDIST, "cuda", List.of("libcudart.so.12", "libnvrtc.so.12",
                "libnvrtc-builtins.so.12.9", "libcurand.so.10", "libcufft.so.11"));
    }

    private Path tensorRtJar() throws IOException {
        return jar("tensorrt", TENSORRT, "tensorrt", fileNames(RedistLibraries.TENSORRT));
    }

    private static ClassLoader classPath(Path... jars) throws IOException {
        URL[] urls = new URL[jars.length];
        for (int i = 0; i < jars.length; i++) {
            urls[i] = jars[i].toUri().toURL();
        }
        return new URLClassLoader(urls, null);
    }

    private static List<String> loadOrder(Plan plan) {
        return plan.steps().stream().map(s -> s.library().fileName()).toList();
    }

    private static String originOf(Plan plan, String fileName) {
        return plan.steps().stream().filter(s -> s.library().fileName().equals(fileName)).map(Step::origin).findFirst()
                .orElseThrow();
    }

    @Test
    void withoutRedistJarsOnTheClassPathThereIsNothingToLoad() throws IOException {
        ClassLoader cpuOnly = classPath(jar("javacpp", "1.5.11", "javacpp", List.of()));

        assertThat(RedistLibraries.plan(RedistLibraries.CUDA, cpuOnly)).isEqualTo(Plan.NOTHING);
        assertThat(RedistLibraries.plan(RedistLibraries.TENSORRT, cpuOnly)).isEqualTo(Plan.NOTHING);
    }

    @Test
    void theDriverOnlySetLoadsEveryCudaLibraryInThePresetsOrderWithTheRuntimeFromCudaRedist() throws IOException {
        // the 12.6 jar first: the CUDA 12.9 runtime is chosen whatever the class path order
        Plan plan = RedistLibraries.plan(RedistLibraries.CUDA, classPath(cudaJar(), cudaRedistJar(), tensorRtJar()));

        assertThat(plan.problem()).isNull();
        assertThat(loadOrder(plan)).containsExactly("libcudart.so.12", "libcublasLt.so.12", "libcublas.so.12",
                "libcurand.so.10", "libcudnn.so.9", "libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9",
                "libcudnn_engines_runtime_compiled.so.9", "libcudnn_heuristic.so.9", "libcudnn_ops.so.9",
                "libcudnn_adv.so.9", "libcudnn_cnn.so.9", "libnvrtc-builtins.so.12.6", "libnvrtc.so.12");
        assertThat(originOf(plan, "libcudart.so.12")).isEqualTo("org.bytedeco:cuda-redist:" + CUDA_REDIST);
        assertThat(originOf(plan, "libnvrtc.so.12")).as("NVRTC 12.6, beside its 12.6 builtins")
                .isEqualTo("org.bytedeco:cuda:" + CUDA);
        assertThat(originOf(plan, "libcurand.so.10")).isEqualTo("org.bytedeco:cuda:" + CUDA);
        assertThat(plan.steps()).allSatisfy(s -> assertThat(s.url().toString())
                .endsWith("!/org/bytedeco/cuda/linux-x86_64/" + s.library().fileName()));
    }

    @Test
    void theTensorRtGroupLoadsTheBuilderResourceTensorRtItsPluginsAndTheParserFromTheTensorRtJar() throws IOException {
        Plan plan = RedistLibraries.plan(RedistLibraries.TENSORRT, classPath(cudaRedistJar(), cudaJar(), tensorRtJar()));

        assertThat(plan.problem()).isNull();
        assertThat(loadOrder(plan)).containsExactly("libnvinfer_builder_resource.so.10.6.0", "libnvinfer.so.10",
                "libnvinfer_plugin.so.10", "libnvinfer_vc_plugin.so.10", "libnvonnxparser.so.10");
        assertThat(plan.steps()).extracting(Step::origin).containsOnly("org.bytedeco:tensorrt:" + TENSORRT);
    }

    @Test
    void everyLibraryTheProvidersLinkAgainstIsInThePlan() {
        assertThat(fileNames(RedistLibraries.CUDA)).containsAll(OrtNative.CUDA_LIBRARIES);
        assertThat(fileNames(RedistLibraries.TENSORRT)).containsAll(OrtNative.TENSORRT_LIBRARIES);
    }

    /**
     * Each library is loaded by full path, so what it needs (its DT_NEEDED entries within the redist, read from the
     * real jars' libraries) must be loaded before it.
     */
    @Test
    void eachLibraryComesAfterTheLibrariesItNeeds() {
        List<String> order = new ArrayList<>(fileNames(RedistLibraries.CUDA));
        order.addAll(fileNames(RedistLibraries.TENSORRT));
        Map<String, List<String>> needs = Map.of(
                "libcublas.so.12", List.of("libcublasLt.so.12"),
                "libcudnn_engines_precompiled.so.9", List.of("libcudnn_graph.so.9"),
                "libcudnn_engines_runtime_compiled.so.9", List.of("libcudnn_graph.so.9"),
                "libcudnn_heuristic.so.9", List.of("libcudnn_graph.so.9"),
                "libcudnn_ops.so.9", List.of("libcudnn_graph.so.9"),
                "libcudnn_adv.so.9", List.of("libcudnn_ops.so.9", "libcudnn_graph.so.9"),
                "libcudnn_cnn.so.9", List.of("libcudnn_ops.so.9", "libcudnn_graph.so.9"),
                "libnvinfer_plugin.so.10", List.of("libnvinfer.so.10"));

        needs.forEach((library, dependencies) -> dependencies.forEach(dependency ->
                assertThat(order.indexOf(dependency)).as("%s before %s", dependency, library)
                        .isNotNegative().isLessThan(order.indexOf(library))));
    }

    @Test
    void theCudaRuntimeOfTheCuda126JarAloneIsTooOldForOnnxRuntimeAndTheReasonSaysSo() throws IOException {
        Plan plan = RedistLibraries.plan(RedistLibraries.CUDA, classPath(cudaJar(), tensorRtJar()));

        assertThat(plan.steps()).isEmpty();
        Availability problem = plan.problem();
        assertThat(problem).isNotNull();
        assertThat(problem.isAvailable()).isFalse();
        assertThat(problem.detail()).startsWith("libcudart.so.12 is not on the class path in the jar of org.bytedeco:cuda-redist")
                .contains("only in org.bytedeco:cuda:" + CUDA, "CUDA 12.8", "cudaLibraryLoadData");
        assertThat(problem.remedy()).contains("infer4j-gpu-redist", "org.bytedeco:cuda-redist", "linux-x86_64");
    }

    @Test
    void aLibraryMissingFromItsJarIsNamed() throws IOException {
        Plan plan = RedistLibraries.plan(RedistLibraries.CUDA, classPath(cudaRedistJar(), cudaJar("libcudnn_ops.so.9")));

        assertThat(plan.steps()).isEmpty();
        assertThat(plan.problem()).isNotNull();
        assertThat(plan.problem().detail()).isEqualTo("libcudnn_ops.so.9 is not on the class path in the jar of org.bytedeco:cuda");
        assertThat(plan.problem().remedy()).contains("infer4j-gpu-redist", "linux-x86_64-redist");
    }

    @Test
    void theTensorRtJarAloneServesTheTensorRtGroupAndLeavesCudaToTheSystem() throws IOException {
        ClassLoader classPath = classPath(tensorRtJar());

        assertThat(RedistLibraries.plan(RedistLibraries.CUDA, classPath)).isEqualTo(Plan.NOTHING);
        assertThat(loadOrder(RedistLibraries.plan(RedistLibraries.TENSORRT, classPath))).hasSize(5);
    }

    @Test
    void aJarOfAnotherArtifactIsNotTakenForTheOneNamed() throws IOException {
        Path impostor = jar("cuda-redist", CUDA_REDIST, "cuda", List.of("libcudart.so.12"));
        URL cudart = classPath(impostor).getResource("org/bytedeco/cuda/linux-x86_64/libcudart.so.12");

        assertThat(RedistLibraries.coordinatesIfFrom(cudart, "org/bytedeco/cuda/linux-x86_64/libcudart.so.12", "cuda-redist"))
                .isEqualTo("org.bytedeco:cuda-redist:" + CUDA_REDIST);
        assertThat(RedistLibraries.coordinatesIfFrom(cudart, "org/bytedeco/cuda/linux-x86_64/libcudart.so.12", "cuda"))
                .isNull();
        assertThat(RedistLibraries.coordinatesIfFrom(cudart, "org/bytedeco/cuda/linux-x86_64/libcublas.so.12", "cuda-redist"))
                .as("a URL that is not of the resource named").isNull();
    }

    /** The file names with a full version are the pinned presets' (the parent pom's properties). */
    @Test
    void theFullyVersionedNamesMatchThePinnedPresets() throws IOException {
        Path pom = Files.exists(Path.of("pom.xml")) && Files.readString(Path.of("pom.xml")).contains("<javacpp.cuda.version>")
                ? Path.of("pom.xml") : Path.of("..", "pom.xml");
        assumeThat(pom).as("the project's parent pom, in the working directory or above it").exists();
        String parent = Files.readString(pom);

        String cuda = property(parent, "javacpp.cuda.version");
        String tensorRt = property(parent, "javacpp.tensorrt.version");
        assertThat(fileNames(RedistLibraries.CUDA)).contains("libnvrtc-builtins.so." + cuda.substring(0, cuda.indexOf('-')));
        assertThat(fileNames(RedistLibraries.TENSORRT))
                .contains("libnvinfer_builder_resource.so." + tensorRt.substring(0, tensorRt.indexOf('-')) + ".0");
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertThat(m.find()).as("property %s in the parent pom", name).isTrue();
        return m.group(1);
    }
}
