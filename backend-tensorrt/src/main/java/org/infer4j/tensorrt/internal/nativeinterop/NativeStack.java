package org.infer4j.tensorrt.internal.nativeinterop;

import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;

import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.infer4j.Availability;
import org.infer4j.BackendUnavailableException;
import org.infer4j.spi.SharedLibraries;
import org.jspecify.annotations.Nullable;

/**
 * Loads the native stack once (CUDA runtime, TensorRT, its ONNX parser) and says whether this
 * process can use it, naming what is missing. Loading happens on first use, never in a
 * constructor. On Linux the NVIDIA driver is looked for first, without loading anything
 * ({@link SharedLibraries}): a machine without it learns so at once, before JavaCPP extracts and
 * loads its CUDA bindings only to have them fail. Thread-safe.
 */
public final class NativeStack {
    private static final String NEEDS = "the tensorrt backend needs libnvinfer.so.10 and libnvonnxparser.so.10 (TensorRT 10.x) "
            + "and libcudart.so.12, libnvrtc.so.12 and cuBLAS 12 (CUDA 12) on the library path, and a CUDA device";
    private static final String TENSORRT_REMEDY = "install TensorRT 10.x (verified 10.6) and put its lib directory on "
            + "LD_LIBRARY_PATH, or depend on org.infer4j:infer4j-gpu-redist (type pom), which carries it";
    static final String DRIVER_REMEDY = "run on a machine with an NVIDIA GPU and driver >= 525 (check with nvidia-smi); "
            + "inside a container, expose the GPU (docker run --gpus all)";
    static final String CUDA_REMEDY = "install the CUDA 12 runtime, NVRTC and cuBLAS 12 and put them on LD_LIBRARY_PATH, "
            + "or depend on org.infer4j:infer4j-gpu-redist (type pom), which carries them";

    private static volatile @Nullable Availability availability;

    private NativeStack() {
    }

    /**
     * Whether this process can use the native stack, probed on the first call and remembered.
     *
     * @return the availability, with what is missing and how to fix it when it is not available; never throws
     */
    public static Availability availability() {
        Availability a = availability;
        if (a == null) {
            synchronized (NativeStack.class) {
                a = availability;
                if (a == null) {
                    a = probe();
                    availability = a;
                }
            }
        }
        return a;
    }

    /** @throws BackendUnavailableException with the reason and remedy, unless the stack is usable */
    public static void require() {
        Availability a = availability();
        if (!a.isAvailable()) {
            throw new BackendUnavailableException("tensorrt is unavailable: " + a.detail() + ". To fix: " + a.remedy(),
                    a.cause() != null ? a.cause() : new IllegalStateException(a.detail()));
        }
    }

    /**
     * TensorRT's version, from the loaded library; call it only once {@link #require()} passed.
     *
     * @return the version as {@code major.minor.patch}
     */
    public static String tensorRtVersion() {
        int v = nvinfer.getInferLibVersion();
        // TensorRT 10 encodes MAJOR * 10000 + MINOR * 100 + PATCH
        return (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100);
    }

    private static Availability probe() {
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            Availability noDriver = withoutDriver(SharedLibraries.ofThisProcess());
            if (noDriver != null) {
                return noDriver;
            }
        }
        return probeNatives();
    }

    /**
     * Why the backend cannot run if {@code libraries} lack the NVIDIA driver, else null. Decided
     * from the loader's view alone, so nothing native is loaded to find out.
     */
    static @Nullable Availability withoutDriver(SharedLibraries libraries) {
        if (libraries.has(SharedLibraries.NVIDIA_DRIVER)) {
            return null;
        }
        return Availability.unavailable("no NVIDIA driver: " + SharedLibraries.NVIDIA_DRIVER + " is not in "
                + libraries.searched() + "; " + NEEDS, DRIVER_REMEDY);
    }

    private static Availability probeNatives() {
        String platform = Loader.getPlatform();
        if (!"linux-x86_64".equals(platform)) {
            return Availability.unavailable("this platform is " + platform + " but infer4j ships the TensorRT bindings for "
                    + "linux-x86_64 only; " + NEEDS, "run on linux-x86_64, or add the JavaCPP tensorrt and cuda jars for "
                    + platform);
        }
        try {
            Loader.load(org.bytedeco.cuda.global.cudart.class);
        } catch (Throwable e) { // UnsatisfiedLinkError, or NoClassDefFoundError after a first failure
            if (rootMessage(e).contains("libcuda.so.1")) {
                return Availability.unavailable("no NVIDIA driver: libcuda.so.1 cannot be loaded (" + rootMessage(e) + "); "
                        + NEEDS, DRIVER_REMEDY, e);
            }
            return Availability.unavailable("libcudart.so.12 (the CUDA 12 runtime) cannot be loaded: " + rootMessage(e)
                    + "; " + NEEDS, CUDA_REMEDY, e);
        }
        int[] count = {0};
        int status = cudaGetDeviceCount(count);
        if (status != 0 || count[0] == 0) {
            int[] driver = {0};
            cudaDriverGetVersion(driver);
            return Availability.unavailable("no CUDA device: " + (status != 0 ? Cuda.errorText(status) : "0 devices")
                    + (driver[0] == 0 ? ", and no NVIDIA driver was found" : ", driver supports CUDA " + cudaVersion(driver[0])),
                    DRIVER_REMEDY);
        }
        try {
            Loader.load(nvinfer.class);
            Loader.load(nvonnxparser.class);
        } catch (Throwable e) {
            return Availability.unavailable("libnvinfer.so.10 or libnvonnxparser.so.10 (TensorRT 10) cannot be loaded: "
                    + rootMessage(e) + "; " + NEEDS, TENSORRT_REMEDY, e);
        }
        int major = nvinfer.getInferLibVersion() / 10000;
        if (major != 10) {
            return Availability.unavailable("found TensorRT " + tensorRtVersion() + " but the bindings are for TensorRT 10",
                    TENSORRT_REMEDY);
        }
        try (cudaDeviceProp prop = new cudaDeviceProp()) {
            Cuda.check(cudaGetDeviceProperties(prop, 0), "cudaGetDeviceProperties(0)");
            int[] driver = {0};
            cudaDriverGetVersion(driver);
            return Availability.available("TensorRT " + tensorRtVersion() + " on " + prop.name().getString() + " (sm_"
                    + prop.major() + prop.minor() + "), " + count[0] + " CUDA device(s), driver supports CUDA "
                    + cudaVersion(driver[0]));
        } catch (RuntimeException e) {
            return Availability.unavailable("the CUDA device cannot be queried: " + e.getMessage(),
                    "check the GPU with nvidia-smi", e);
        }
    }

    private static String cudaVersion(int v) {
        return v / 1000 + "." + v % 1000 / 10;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            sb.append(" <- ").append(t.getMessage());
        }
        return sb.toString();
    }
}
