package org.infer4j.ort.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.infer4j.Availability;
import org.jspecify.annotations.Nullable;

/**
 * NVIDIA's libraries as JavaCPP's redistributable jars carry them (the dependency set {@code infer4j-gpu-redist}):
 * which of them ONNX Runtime's CUDA and TensorRT providers need, in the order they must load, and which jar each
 * comes from. Working this out reads the class path only; nothing native is loaded here (see
 * {@link RedistPreload}).
 *
 * <p>The providers find their libraries by soname ({@code libcudart.so.12}, ...) through the dynamic loader, which
 * does not look inside jars. Loaded first, by full path, from JavaCPP's cache, a library satisfies every later
 * lookup of its soname in the process. The order is the JavaCPP presets' own ({@code @Platform} preload, then link,
 * inherited presets first), so that each library's dependencies are loaded before it. Each entry keeps the name
 * the presets load it by, so that JavaCPP's {@code Loader} later hands the presets behind backend-tensorrt these
 * same files rather than loading second copies.
 *
 * <p>The names with a full version ({@code libnvrtc-builtins.so.12.6}, {@code libnvinfer_builder_resource.so.10.6.0})
 * are those of the pinned presets, cuda 12.6 and tensorrt 10.6: they change with the pins. Immutable; thread-safe.
 */
final class RedistLibraries {
    /** The only platform the redist set is for. */
    static final String PLATFORM = "linux-x86_64";
    static final String GROUP = "org.bytedeco";
    /** How the user adds every jar below, and JavaCPP, at once. */
    static final String REMEDY_ARTIFACT = "org.infer4j:infer4j-gpu-redist (type pom)";

    /**
     * One library to load.
     *
     * @param fileName its file name in the jar, the soname where it has one
     * @param javacppName the name the JavaCPP presets load it by (name, {@code @}, version suffix)
     * @param preset the preset whose folder holds it: {@code org/bytedeco/PRESET/linux-x86_64/}
     * @param artifact the {@value #GROUP} artifact whose jar it must come from
     * @param whyThisArtifact why that jar and no other holding the same file, or empty
     */
    record Library(String fileName, String javacppName, String preset, String artifact, String whyThisArtifact) {
        Library(String fileName, String javacppName, String preset) {
            this(fileName, javacppName, preset, preset, "");
        }

        /** The class path resource. */
        String resource() {
            return GROUP.replace('.', '/') + "/" + preset + "/" + PLATFORM + "/" + fileName;
        }
    }

    /**
     * What the CUDA provider needs: the CUDA runtime, cuBLAS and cuBLASLt, cuRAND (its DT_NEEDED entries), cuDNN 9,
     * which it opens itself, with the parts cuDNN opens in turn, and NVRTC, which both open for kernels compiled at
     * run time.
     */
    static final List<Library> CUDA = List.of(
            new Library("libcudart.so.12", "cudart@.12", "cuda", "cuda-redist",
                    "ONNX Runtime 1.29's CUDA provider calls the CUDA 12.8 runtime API (cudaLibraryLoadData and others), "
                            + "which the CUDA 12.6 runtime of org.bytedeco:cuda lacks; org.bytedeco:cuda-redist holds CUDA 12.9's"),
            new Library("libcublasLt.so.12", "cublasLt@.12", "cuda"),
            new Library("libcublas.so.12", "cublas@.12", "cuda"),
            new Library("libcurand.so.10", "curand@.10", "cuda"),
            new Library("libcudnn.so.9", "cudnn@.9", "cuda"),
            new Library("libcudnn_graph.so.9", "cudnn_graph@.9", "cuda"),
            new Library("libcudnn_engines_precompiled.so.9", "cudnn_engines_precompiled@.9", "cuda"),
            new Library("libcudnn_engines_runtime_compiled.so.9", "cudnn_engines_runtime_compiled@.9", "cuda"),
            new Library("libcudnn_heuristic.so.9", "cudnn_heuristic@.9", "cuda"),
            new Library("libcudnn_ops.so.9", "cudnn_ops@.9", "cuda"),
            new Library("libcudnn_adv.so.9", "cudnn_adv@.9", "cuda"),
            new Library("libcudnn_cnn.so.9", "cudnn_cnn@.9", "cuda"),
            new Library("libnvrtc-builtins.so.12.6", "nvrtc-builtins@.12.6", "cuda"),
            new Library("libnvrtc.so.12", "nvrtc@.12", "cuda"));

    /**
     * What the TensorRT provider needs beyond {@link #CUDA}: TensorRT and its ONNX parser (DT_NEEDED), the builder
     * resource TensorRT opens to build engines, and the plugin libraries, which the provider and the parser open.
     */
    static final List<Library> TENSORRT = List.of(
            new Library("libnvinfer_builder_resource.so.10.6.0", "nvinfer_builder_resource@.10.6.0", "tensorrt"),
            new Library("libnvinfer.so.10", "nvinfer@.10", "tensorrt"),
            new Library("libnvinfer_plugin.so.10", "nvinfer_plugin@.10", "tensorrt"),
            new Library("libnvinfer_vc_plugin.so.10", "nvinfer_vc_plugin@.10", "tensorrt"),
            new Library("libnvonnxparser.so.10", "nvonnxparser@.10", "tensorrt"));

    /**
     * One library, where it lies and which jar that is.
     *
     * @param library the library
     * @param url the class path resource to load it from
     * @param origin the jar's Maven coordinates, {@code org.bytedeco:ARTIFACT:VERSION}
     */
    record Step(Library library, URL url, String origin) {
    }

    /**
     * What preloading a group of libraries does: nothing, when none of them is on the class path (then the system's
     * libraries serve, as without the redist); load {@code steps} in order; or nothing, because of {@code problem}.
     *
     * @param steps the libraries to load, in order; empty when there is nothing to load or a problem
     * @param problem why the group cannot be loaded from the class path, naming the library; null if it can
     */
    record Plan(List<Step> steps, @Nullable Availability problem) {
        static final Plan NOTHING = new Plan(List.of(), null);

        Plan {
            steps = List.copyOf(steps);
        }

        static Plan problem(Availability problem) {
            return new Plan(List.of(), problem);
        }
    }

    private RedistLibraries() {
    }

    /**
     * The plan for {@code libraries} on {@code classLoader}'s class path. When none of them is there, costs one
     * resource lookup per library and says {@link Plan#NOTHING}.
     *
     * @param libraries {@link #CUDA} or {@link #TENSORRT}
     * @param classLoader where to look
     * @return the plan; never null
     */
    static Plan plan(List<Library> libraries, ClassLoader classLoader) {
        Map<Library, List<URL>> found = new LinkedHashMap<>();
        boolean any = false;
        for (Library library : libraries) {
            List<URL> urls = resources(classLoader, library.resource());
            found.put(library, urls);
            any |= !urls.isEmpty();
        }
        if (!any) {
            return Plan.NOTHING;
        }
        List<Step> steps = new ArrayList<>();
        for (Map.Entry<Library, List<URL>> e : found.entrySet()) {
            Library library = e.getKey();
            Step step = null;
            for (URL url : e.getValue()) {
                String coordinates = coordinatesIfFrom(url, library.resource(), library.artifact());
                if (coordinates != null) {
                    step = new Step(library, url, coordinates);
                    break;
                }
            }
            if (step == null) {
                return Plan.problem(notOnClassPath(library, e.getValue()));
            }
            steps.add(step);
        }
        return new Plan(steps, null);
    }

    private static Availability notOnClassPath(Library library, List<URL> elsewhere) {
        StringBuilder why = new StringBuilder(library.fileName()).append(" is not on the class path in the jar of ")
                .append(GROUP).append(':').append(library.artifact());
        if (!elsewhere.isEmpty()) {
            why.append(" (only in ").append(jarOf(elsewhere.get(0), library.resource())).append(')');
            if (!library.whyThisArtifact().isEmpty()) {
                why.append(": ").append(library.whyThisArtifact());
            }
        }
        return Availability.unavailable(why.toString(), "depend on " + REMEDY_ARTIFACT + ", which brings "
                + GROUP + ":" + library.artifact() + " (classifier " + jarClassifier(library.artifact())
                + ") and the other redist jars in matching versions (README: Install)");
    }

    /** The classifier of the artifact's jar of native libraries: the presets' redist jars, cuda-redist's plain one. */
    static String jarClassifier(String artifact) {
        return artifact.endsWith("-redist") ? PLATFORM : PLATFORM + "-redist";
    }

    private static List<URL> resources(ClassLoader classLoader, String name) {
        List<URL> urls = new ArrayList<>();
        try {
            Enumeration<URL> e = classLoader.getResources(name);
            while (e.hasMoreElements()) {
                urls.add(e.nextElement());
            }
        } catch (IOException e) {
            // an unreadable class path entry holds nothing for us
        }
        return urls;
    }

    /**
     * The coordinates {@code GROUP:ARTIFACT:VERSION} of the class path entry that {@code url} (the resource
     * {@code resource}) lies in, if that entry is {@code artifact}'s: known by the Maven metadata every JavaCPP jar
     * carries, {@code META-INF/maven/GROUP/ARTIFACT/pom.properties}. Null if it is another's.
     */
    static @Nullable String coordinatesIfFrom(URL url, String resource, String artifact) {
        String s = url.toString();
        if (!s.endsWith(resource)) {
            return null;
        }
        String metadata = s.substring(0, s.length() - resource.length()) + "META-INF/maven/" + GROUP + "/" + artifact
                + "/pom.properties";
        try (InputStream in = URI.create(metadata).toURL().openStream()) {
            Properties p = new Properties();
            p.load(in);
            return GROUP + ":" + artifact + ":" + p.getProperty("version", "(version unknown)");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Which known jar {@code url} lies in, for messages. */
    private static String jarOf(URL url, String resource) {
        for (String artifact : List.of("cuda", "cuda-redist", "tensorrt")) {
            String coordinates = coordinatesIfFrom(url, resource, artifact);
            if (coordinates != null) {
                return coordinates;
            }
        }
        return url.toString();
    }
}
