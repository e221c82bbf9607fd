package org.infer4j.tensorrt.internal.nativeinterop;

import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;

import org.bytedeco.javacpp.BytePointer;
import org.infer4j.InferenceException;
import org.infer4j.OutOfDeviceMemoryException;

/** CUDA runtime calls with their status codes turned into exceptions that say what failed. Stateless. */
public final class Cuda {
    private Cuda() {
    }

    /** cudaErrorMemoryAllocation. */
    private static final int OUT_OF_MEMORY = 2;

    /**
     * Turns a CUDA status into an exception naming {@code what} and CUDA's error; cudaSuccess passes.
     *
     * @param status the status a CUDA runtime call returned
     * @param what the call, for the message (e.g. {@code "cudaMalloc(64 bytes)"})
     * @throws OutOfDeviceMemoryException if {@code status} is CUDA's out-of-memory error
     * @throws InferenceException for any other error status
     */
    public static void check(int status, String what) {
        if (status == OUT_OF_MEMORY) {
            throw new OutOfDeviceMemoryException(what + " failed: " + errorText(status) + "; give a smaller shape range "
                    + "(EngineBuilder.shapeRange), fewer contexts (TensorRtSettings.contextPoolSize), or free GPU memory");
        }
        if (status != 0) {
            throw new InferenceException(what + " failed: " + errorText(status));
        }
    }

    /**
     * CUDA's description of {@code status}, with its number, for an exception message.
     *
     * @param status a CUDA runtime status code
     * @return the error text and code, never null
     */
    public static String errorText(int status) {
        BytePointer text = cudaGetErrorString(status);
        return (text == null ? "CUDA error" : text.getString()) + " (cudaError " + status + ")";
    }

    /**
     * Makes {@code device} current on the calling thread. With one visible device there is no other
     * device to switch from, and it does nothing, because {@code cudaSetDevice} costs a measurable
     * share of a small model's graph replay. (This assumes no foreign CUDA context pushed with the driver API on the
     * calling thread, which {@code cudaSetDevice} would have replaced by the device's primary one.)
     *
     * @param device the CUDA device index
     * @throws InferenceException if CUDA cannot make the device current (it does not exist, or the driver failed)
     */
    public static void useDevice(int device) {
        if (device == 0 && VisibleDevices.ONLY_ONE) {
            return;
        }
        int status = cudaSetDevice(device);
        if (status != 0) { // the message is built only on failure: this runs on every inference
            throw new InferenceException("cudaSetDevice(" + device + ") failed: " + errorText(status));
        }
    }

    /** Read once, on the first {@link #useDevice}: CUDA fixes the visible devices when it initialises. */
    private static final class VisibleDevices {
        static final boolean ONLY_ONE = count() == 1;

        private static int count() {
            int[] count = {0};
            return cudaGetDeviceCount(count) == 0 ? count[0] : -1; // -1: keep calling cudaSetDevice, which says what is wrong
        }
    }
}
