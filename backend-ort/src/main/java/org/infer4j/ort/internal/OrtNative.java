package org.infer4j.ort.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infer4j.Availability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime's native side: the process-wide environment, and what each execution provider
 * needs to start here. Each check runs once per JVM (they load native libraries, which cannot be
 * unloaded anyway) and turns native failures into an {@link Availability} that names the missing
 * piece.
 */
final class OrtNative {
    private static final Logger log = LoggerFactory.getLogger(OrtNative.class);

    static final String CUDA_REMEDY = "install the CUDA 12 runtime with cuBLAS 12 and cuDNN 9 and an NVIDIA driver >= 525, "
            + "and put the libraries on LD_LIBRARY_PATH (README: supported native matrix)";
    static final String TENSORRT_REMEDY = "install TensorRT 10.x so that libnvinfer.so.10 and libnvonnxparser.so.10 are on "
            + "LD_LIBRARY_PATH (the TensorRT 10.6 tar package, or the libraries of "
            + "org.bytedeco:tensorrt:10.6-1.5.11:linux-x86_64-redist)";

    private OrtNative() {
    }

    private static final class Runtime {
        static final Availability AVAILABILITY;
        static final OrtEnvironment ENVIRONMENT;

        static {
            OrtEnvironment env = null;
            Availability a;
            try {
                env = OrtEnvironment.getEnvironment();
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

    private static Availability probeCuda() {
        if (!runtime().isAvailable()) {
            return runtime();
        }
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            return Availability.unavailable("this ONNX Runtime build has no CUDA execution provider (CPU-only jar?)",
                    "depend on com.microsoft.onnxruntime:onnxruntime_gpu, not onnxruntime");
        }
        // Creating and running a one-node session is the only reliable test: it loads the provider
        // library with all its CUDA dependencies and initialises device 0.
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
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
        if (!cuda().isAvailable()) {
            return Availability.unavailable("the TensorRT provider runs on CUDA, which is unavailable: " + cuda().detail(),
                    cuda().remedy(), cuda().cause());
        }
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.TENSOR_RT)) {
            return Availability.unavailable("this ONNX Runtime build has no TensorRT execution provider",
                    "depend on com.microsoft.onnxruntime:onnxruntime_gpu");
        }
        // Adding the provider loads libonnxruntime_providers_tensorrt.so and with it libnvinfer; a
        // session would also build a TensorRT engine, which costs seconds, so the check stops here.
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.addTensorrt(0);
            return Availability.available("ONNX Runtime " + version() + " TensorRT execution provider on CUDA device 0");
        } catch (OrtException | RuntimeException | LinkageError e) {
            log.debug("ONNX Runtime TensorRT probe failed", e);
            String missing = missingLibrary(String.valueOf(e.getMessage()));
            return Availability.unavailable(missing != null
                    ? missing + " not found (needed by ONNX Runtime's TensorRT provider)"
                    : "ONNX Runtime's TensorRT provider failed to start: " + e.getMessage(), TENSORRT_REMEDY, e);
        }
    }

    private static final Pattern SHARED_LIBRARY = Pattern.compile("(lib[\\w+.-]*?\\.so(?:\\.\\d+)*)");

    /** The shared library a loader error names, e.g. {@code libcublasLt.so.12}, or null. */
    static String missingLibrary(String message) {
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
    static Availability cudaFailure(String message, Throwable cause) {
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
