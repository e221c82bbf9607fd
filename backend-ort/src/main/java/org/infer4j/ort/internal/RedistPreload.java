package org.infer4j.ort.internal;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.Availability;
import org.infer4j.ort.internal.RedistLibraries.Plan;
import org.infer4j.ort.internal.RedistLibraries.Step;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the libraries of JavaCPP's redistributable jars ({@link RedistLibraries}) before ONNX Runtime loads its CUDA
 * or TensorRT provider, so that the provider finds them by soname with nothing on {@code LD_LIBRARY_PATH}. Each group
 * is loaded at most once per JVM, on the first availability check of a provider that needs it, and only when its
 * libraries are on the class path; without them this costs a few class path lookups and says nothing.
 *
 * <p>JavaCPP's {@code Loader} does the loading: it extracts each library to its cache ({@code ~/.javacpp/cache}, or
 * the system property {@code org.bytedeco.javacpp.cachedir}) once, then loads it from there by full path, and records
 * it under the name the JavaCPP presets use, so that backend-tensorrt's presets reuse these files. JavaCPP
 * ({@code org.bytedeco:javacpp}) comes with the redist jars' dependency set; backend-ort does not bring it itself.
 * Thread-safe: each group loads in a class initialiser.
 */
final class RedistPreload {
    private static final Logger log = LoggerFactory.getLogger(RedistPreload.class);
    private static final String JAVACPP_LOADER = "org.bytedeco.javacpp.Loader";

    /** Loads one library from the class path, in the manner of JavaCPP's {@code Loader.loadLibrary}. */
    @FunctionalInterface
    interface LibraryLoader {
        /**
         * @param url the class path resource
         * @param javacppName the name the presets load it by
         * @return the file loaded
         * @throws UnsatisfiedLinkError when it does not load
         */
        String load(URL url, String javacppName);
    }

    private RedistPreload() {
    }

    private static final class Cuda {
        static final @Nullable Availability PROBLEM = preload(RedistLibraries.CUDA);
    }

    private static final class TensorRt {
        static final @Nullable Availability PROBLEM = cuda() != null ? cuda() : preload(RedistLibraries.TENSORRT);
    }

    /** Why the CUDA libraries on the class path did not load, or null: they loaded, or none are there. */
    static @Nullable Availability cuda() {
        return Cuda.PROBLEM;
    }

    /** As {@link #cuda()}, for the CUDA libraries and then TensorRT's. */
    static @Nullable Availability tensorRt() {
        return TensorRt.PROBLEM;
    }

    private static @Nullable Availability preload(List<RedistLibraries.Library> libraries) {
        ClassLoader classLoader = RedistPreload.class.getClassLoader();
        Plan plan = RedistLibraries.plan(libraries, classLoader);
        if (plan.problem() != null || plan.steps().isEmpty()) {
            return plan.problem();
        }
        try {
            Class.forName(JAVACPP_LOADER, false, classLoader);
        } catch (ClassNotFoundException | LinkageError e) {
            return Availability.unavailable("NVIDIA's libraries are on the class path (" + plan.steps().get(0).origin()
                    + "), but JavaCPP's Loader, which loads them, is not", "depend on " + RedistLibraries.REMEDY_ARTIFACT
                    + ", which brings org.bytedeco:javacpp", e);
        }
        return load(plan, JavaCppLoader::load);
    }

    /**
     * Loads {@code plan}'s libraries in order, stopping at the first that fails.
     *
     * @param plan what to load; a plan with a problem or no steps loads nothing
     * @param loader how to load one library
     * @return null when every library loaded (or there was nothing to load), else why not, naming the library
     */
    static @Nullable Availability load(Plan plan, LibraryLoader loader) {
        if (plan.problem() != null) {
            return plan.problem();
        }
        List<String> loaded = new ArrayList<>();
        for (Step step : plan.steps()) {
            try {
                loaded.add(loader.load(step.url(), step.library().javacppName()));
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                log.debug("loading {} from {} failed", step.library().fileName(), step.origin(), e);
                return Availability.unavailable(step.library().fileName() + " of " + step.origin() + " did not load: "
                        + innermostMessage(e), "check that the NVIDIA driver is installed (nvidia-smi) and that JavaCPP's cache "
                        + "folder (~/.javacpp/cache, or -Dorg.bytedeco.javacpp.cachedir) is writable and has room for the "
                        + "libraries (docs/gpu-redist.md)", e);
            }
        }
        log.debug("loaded from JavaCPP's redist jars: {}", loaded);
        return null;
    }

    /**
     * The message of the innermost cause: JavaCPP, when the file from the jar does not load, tries the system's
     * library path as well and reports that ("no cudart in java.library.path"), with the file's own error as the cause.
     */
    static String innermostMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    /** The only class that touches JavaCPP, so that backend-ort runs without it when no redist jar is there. */
    static final class JavaCppLoader {
        /**
         * Loads in the class loader of JavaCPP's Loader, as the presets do (with {@code System.load}): JavaCPP 1.5.11
         * fails on a null class, and for a class of another class loader it reaches into {@code java.lang.Runtime}
         * by reflection, which Java 17 refuses without {@code --add-opens}.
         */
        private JavaCppLoader() {
        }

        static String load(URL url, String javacppName) {
            return org.bytedeco.javacpp.Loader.loadLibrary(org.bytedeco.javacpp.Loader.class, new URL[] {url}, javacppName);
        }
    }
}
