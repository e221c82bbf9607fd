package org.infer4j.ort.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infer4j.Availability;
import org.infer4j.spi.SharedLibraries;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime's native side: the process-wide environment, and what each execution provider
 * needs to start here. Each check runs once per JVM (they load native libraries, which cannot be
 * unloaded anyway) and turns native failures into an {@link Availability} that names the missing
 * piece.
 *
 * <p>ONNX Runtime writes its own log straight to stderr, where it cannot be routed; infer4j sets
 * its level from the SLF4J logger {@value #LOGGER} (see {@link #loggingLevel(Logger)}), so that a
 * normal or failed run prints nothing of its own: what matters reaches the caller as an exception or
 * an {@link Availability}, and is logged through SLF4J.
 *
 * <p>On Linux, the CUDA and TensorRT checks first look for the shared libraries the providers
 * link against ({@link SharedLibraries}); a missing one is named at once, without a load that
 * fails. Without an NVIDIA driver ({@link SharedLibraries#NVIDIA_DRIVER}) nothing is loaded at all. With JavaCPP's
 * redist jars on the class path, their libraries are loaded first ({@link RedistPreload}), and
 * serve the providers in place of any installed ones.
 */
final class OrtNative {
    private static final Logger log = LoggerFactory.getLogger(OrtNative.class);

    /** The SLF4J logger whose level sets ONNX Runtime's: DEBUG shows its warnings, TRACE everything. */
    static final String LOGGER = "org.infer4j.ort";

    /**
     * What ONNX Runtime 1.29's CUDA provider links against ({@code libonnxruntime_providers_cuda.so}'s
     * DT_NEEDED entries), and cuDNN 9, which it loads itself to run convolutions and recurrent layers.
     */
    static final List<String> CUDA_LIBRARIES = List.of("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12",
            "libcurand.so.10", "libcudnn.so.9");
    /** What the TensorRT provider links against beyond {@link #CUDA_LIBRARIES}. */
    static final List<String> TENSORRT_LIBRARIES = List.of("libnvinfer.so.10", "libnvonnxparser.so.10");

    static final String CUDA_REMEDY = "install the CUDA 12 runtime with cuBLAS 12 and cuDNN 9 and an NVIDIA driver >= 525, "
            + "and put the libraries on LD_LIBRARY_PATH, or depend on org.infer4j:infer4j-gpu-redist (type pom), which "
            + "carries them (README: supported native matrix)";
    static final String TENSORRT_REMEDY = "install TensorRT 10.x so that libnvinfer.so.10 and libnvonnxparser.so.10 are on "
            + "LD_LIBRARY_PATH (the TensorRT 10.6 tar package), or depend on org.infer4j:infer4j-gpu-redist (type pom), "
            + "which carries them";
    static final String DRIVER_REMEDY = "run on a machine with an NVIDIA GPU and driver >= 525 (check with nvidia-smi); "
            + "inside a container, expose the GPU (docker run --gpus all)";

    /** What brings each library, for remedies. */
    private static final Map<String, String> PACKAGES = Map.of(
            "libcudart.so.12", "the CUDA 12 runtime (cuda-cudart-12-x)",
            "libcublas.so.12", "cuBLAS 12 (libcublas-12-x)",
            "libcublasLt.so.12", "cuBLAS 12 (libcublas-12-x)",
            "libcurand.so.10", "cuRAND 10 (libcurand-12-x)",
            "libcudnn.so.9", "cuDNN 9 for CUDA 12 (libcudnn9-cuda-12)",
            "libnvinfer.so.10", "TensorRT 10.x (libnvinfer10 and libnvonnxparsers10, or the TensorRT tar package)",
            "libnvonnxparser.so.10", "TensorRT 10.x (libnvinfer10 and libnvonnxparsers10, or the TensorRT tar package)");

    private OrtNative() {
    }

    private static final class Runtime {
        static final Availability AVAILABILITY;
        /** Null where ONNX Runtime did not load ({@link #AVAILABILITY} says why). */
        static final @Nullable OrtEnvironment ENVIRONMENT;
        static final OrtLoggingLevel LOGGING_LEVEL = loggingLevel(LoggerFactory.getLogger(LOGGER));

        static {
            OrtEnvironment env = null;
            Availability a;
            try {
                env = OrtEnvironment.getEnvironment(LOGGING_LEVEL, "infer4j");
                log.debug("ONNX Runtime {} logs at {} to stderr (logger {} at DEBUG shows its warnings, TRACE all)",
                        env.getVersion(), LOGGING_LEVEL, LOGGER);
                a = Availability.available("ONNX Runtime " + env.getVersion() + " on " + System.getProperty("os.name") + " "
                        + System.getProperty("os.arch") + ", " + java.lang.Runtime.getRuntime().availableProcessors() + " CPUs");
            } catch (RuntimeException | LinkageError e) {
                a = Availability.unavailable("ONNX Runtime's native library did not load: " + e.getMessage(),
                        "run on linux-x64 or win-x64 (the platforms com.microsoft.onnxruntime:onnxruntime_gpu ships), "
                                + "or point -Donnxruntime.native.path at a folder with libonnxruntime.so", e);
            }
            ENVIRONMENT = env;
            AVAILABILITY = a;
        }
    }

    private static final class Cuda {
        static final Availability AVAILABILITY = probeCuda();
    }

    private static final class TensorRt {
        static final Availability AVAILABILITY = probeTensorRt();
    }

    static Availability runtime() {
        return Runtime.AVAILABILITY;
    }

    static Availability cuda() {
        return Cuda.AVAILABILITY;
    }

    static Availability tensorRt() {
        return TensorRt.AVAILABILITY;
    }

    /** The environment; only call after {@link #runtime()} said available. */
    static OrtEnvironment environment() {
        if (Runtime.ENVIRONMENT == null) {
            throw new IllegalStateException("ONNX Runtime is unavailable: " + Runtime.AVAILABILITY);
        }
        return Runtime.ENVIRONMENT;
    }

    static String version() {
        return Runtime.ENVIRONMENT == null ? "unavailable" : Runtime.ENVIRONMENT.getVersion();
    }

    /** The level infer4j's sessions log at, the environment's; see {@link #loggingLevel(Logger)}. */
    static OrtLoggingLevel loggingLevel() {
        return Runtime.LOGGING_LEVEL;
    }

    /**
     * ONNX Runtime's log level for an SLF4J logger's: FATAL unless the logger is at DEBUG
     * (WARNING) or TRACE (VERBOSE). Not ERROR by default: ONNX Runtime logs every failed run and
     * provider load as an error, and infer4j hands each one to the caller as an exception or an
     * unavailable backend with the same message, so printing it as well would only be noise.
     */
    static OrtLoggingLevel loggingLevel(Logger logger) {
        if (logger.isTraceEnabled()) {
            return OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE;
        }
        return logger.isDebugEnabled() ? OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING : OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
    }

    /** New session options that log at infer4j's level, whatever the environment was created with. */
    static OrtSession.SessionOptions sessionOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setSessionLogLevel(loggingLevel());
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /** What the loader finds here, or null where this cannot be told without loading (not Linux). */
    private static @Nullable SharedLibraries sharedLibraries() {
        return System.getProperty("os.name", "").startsWith("Linux") ? SharedLibraries.ofThisProcess() : null;
    }

    private static Availability probeCuda() {
        if (!runtime().isAvailable()) {
            return runtime();
        }
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            return Availability.unavailable("this ONNX Runtime build has no CUDA execution provider (CPU-only jar?)",
                    "depend on com.microsoft.onnxruntime:onnxruntime_gpu, not onnxruntime");
        }
        Availability missing = providerLibraries("ONNX Runtime's CUDA provider", CUDA_LIBRARIES, RedistPreload::cuda);
        if (missing != null) {
            return missing;
        }
        // Creating and running a one-node session is the only reliable test: it loads the provider
        // library with all its CUDA dependencies and initialises device 0.
        try (OrtSession.SessionOptions options = sessionOptions()) {
            options.addCUDA(0);
            try (OrtSession session = environment().createSession(probeModel(), options);
                 OnnxTensor x = OnnxTensor.createTensor(environment(), FloatBuffer.wrap(new float[] {1f}), new long[] {1});
                 OrtSession.Result ignored = session.run(Map.of("x", x))) {
                return Availability.available("ONNX Runtime " + version() + " CUDA execution provider on CUDA device 0");
            }
        } catch (OrtException | RuntimeException | LinkageError e) {
            log.debug("ONNX Runtime CUDA probe failed", e);
            return cudaFailure(String.valueOf(e.getMessage()), e);
        }
    }

    private static Availability probeTensorRt() {
        if (!runtime().isAvailable()) {
            return runtime();
        }
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.TENSOR_RT)) {
            return Availability.unavailable("this ONNX Runtime build has no TensorRT execution provider",
                    "depend on com.microsoft.onnxruntime:onnxruntime_gpu");
        }
        List<String> needed = new ArrayList<>(CUDA_LIBRARIES);
        needed.addAll(TENSORRT_LIBRARIES);
        Availability missing = providerLibraries("ONNX Runtime's TensorRT provider and the CUDA provider behind it", needed,
                RedistPreload::tensorRt);
        if (missing != null) {
            return missing;
        }
        if (!cuda().isAvailable()) {
            return Availability.unavailable("the TensorRT provider runs on CUDA, which is unavailable: " + cuda().detail(),
                    cuda().remedy(), cuda().cause());
        }
        // Adding the provider loads libonnxruntime_providers_tensorrt.so and with it libnvinfer; a
        // session would also build a TensorRT engine, which costs seconds, so the check stops here.
        try (OrtSession.SessionOptions options = sessionOptions()) {
            options.addTensorrt(0);
            return Availability.available("ONNX Runtime " + version() + " TensorRT execution provider on CUDA device 0");
        } catch (OrtException | RuntimeException | LinkageError e) {
            log.debug("ONNX Runtime TensorRT probe failed", e);
            String missingLibrary = missingLibrary(String.valueOf(e.getMessage()));
            return Availability.unavailable(missingLibrary != null
                    ? missingLibrary + " not found (needed by ONNX Runtime's TensorRT provider)"
                    : "ONNX Runtime's TensorRT provider failed to start: " + e.getMessage(), TENSORRT_REMEDY, e);
        }
    }

    /**
     * Why {@code provider} cannot start for want of a library, or null if all are there (or this cannot be told
     * without loading: not Linux). In order: the NVIDIA driver, without which nothing else is tried; then the
     * libraries of JavaCPP's redist jars where they are on the class path, loaded by {@code redist}; then every one of
     * {@code needed} where the loader looks.
     */
    private static @Nullable Availability providerLibraries(String provider, List<String> needed,
            Supplier<@Nullable Availability> redist) {
        SharedLibraries libraries = sharedLibraries();
        if (libraries == null) {
            return null;
        }
        if (!libraries.has(SharedLibraries.NVIDIA_DRIVER)) {
            return missingLibraries(libraries, provider, needed);
        }
        Availability redistProblem = redist.get();
        if (redistProblem != null) {
            return redistProblem;
        }
        // what the redist loaded is mapped into the process now, and found by soname
        return missingLibraries(SharedLibraries.ofThisProcess(), provider, needed);
    }

    /**
     * Why {@code provider} cannot start for want of a library the loader would not find, or null if
     * the driver and every one of {@code needed} are there. Names each missing library, where one
     * lies that the loader does not search, and what to install.
     */
    static @Nullable Availability missingLibraries(SharedLibraries libraries, String provider, List<String> needed) {
        if (!libraries.has(SharedLibraries.NVIDIA_DRIVER)) {
            return Availability.unavailable("no NVIDIA driver: " + SharedLibraries.NVIDIA_DRIVER + " is not in " + libraries.searched(),
                    DRIVER_REMEDY);
        }
        List<String> missing = libraries.missing(needed);
        if (missing.isEmpty()) {
            return null;
        }
        StringBuilder why = new StringBuilder(join(missing)).append(" not found (needed by ").append(provider)
                .append("; searched ").append(libraries.searched()).append(')');
        Set<String> install = new LinkedHashSet<>();
        Set<String> folders = new LinkedHashSet<>();
        for (String library : missing) {
            Optional<Path> folder = libraries.elsewhere(library);
            if (folder.isPresent()) {
                why.append("; ").append(library).append(" is in ").append(folder.get()).append(", where the loader does not look");
                folders.add(folder.get().toString());
            } else {
                install.add(PACKAGES.getOrDefault(library, library));
            }
        }
        List<String> steps = new ArrayList<>();
        if (!install.isEmpty()) {
            steps.add("install " + join(List.copyOf(install)) + " and put the libraries' folder on LD_LIBRARY_PATH, "
                    + "or depend on org.infer4j:infer4j-gpu-redist (type pom), which carries them");
        }
        if (!folders.isEmpty()) {
            steps.add("add " + String.join(":", folders) + " to LD_LIBRARY_PATH");
        }
        return Availability.unavailable(why.toString(), String.join("; ", steps) + " (README: supported native matrix)");
    }

    private static String join(List<String> items) {
        return items.size() == 1 ? items.get(0)
                : String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }

    private static final Pattern SHARED_LIBRARY = Pattern.compile("(lib[\\w+.-]*?\\.so(?:\\.\\d+)*)");

    /** The shared library a loader error names, e.g. {@code libcublasLt.so.12}, or null. */
    static @Nullable String missingLibrary(String message) {
        if (!message.contains("cannot open shared object file") && !message.contains("No such file")) {
            return null;
        }
        Matcher m = SHARED_LIBRARY.matcher(message);
        String last = null;
        while (m.find()) { // the innermost library named is the one missing, e.g. "...providers_cuda.so ... libcublasLt.so.12: cannot open"
            last = m.group(1);
        }
        return last;
    }

    /** What a failed CUDA start means, from ONNX Runtime's message. */
    static Availability cudaFailure(String message, @Nullable Throwable cause) {
        String missing = missingLibrary(message);
        if (missing != null) {
            return Availability.unavailable(missing + " not found (needed by ONNX Runtime's CUDA provider)", CUDA_REMEDY, cause);
        }
        if (message.contains("no CUDA-capable device") || message.contains("CUDA failure 100")) {
            return Availability.unavailable("no CUDA device is visible to this process",
                    "run on a machine with an NVIDIA GPU and driver; check nvidia-smi and CUDA_VISIBLE_DEVICES", cause);
        }
        if (message.contains("driver version is insufficient") || message.contains("CUDA failure 35")) {
            return Availability.unavailable("the NVIDIA driver is too old for CUDA 12",
                    "install an NVIDIA driver >= 525", cause);
        }
        return Availability.unavailable("ONNX Runtime's CUDA provider failed to start: " + message, CUDA_REMEDY, cause);
    }

    static byte[] probeModel() {
        try (InputStream in = OrtNative.class.getResourceAsStream("probe.onnx")) {
            if (in == null) {
                throw new IllegalStateException("probe.onnx missing from the backend-ort jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
