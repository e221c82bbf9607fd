package org.infer4j.tensorrt.internal;

import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.infer4j.InferenceException;

/** CUDA runtime calls with their status codes turned into exceptions that say what failed. */
final class Cuda {
    private Cuda() {
    }

    /** @throws InferenceException naming {@code what} and CUDA's error, if {@code status} is not cudaSuccess */
    static void check(int status, String what) {
        if (status != 0) {
            throw new InferenceException(what + " failed: " + errorText(status));
        }
    }

    static String errorText(int status) {
        BytePointer text = cudaGetErrorString(status);
        return (text == null ? "CUDA error" : text.getString()) + " (cudaError " + status + ")";
    }

    /** Makes {@code device} current on the calling thread; cheap when it already is. */
    static void useDevice(int device) {
        int status = cudaSetDevice(device);
        if (status != 0) { // the message is built only on failure: this runs on every inference
            throw new InferenceException("cudaSetDevice(" + device + ") failed: " + errorText(status));
        }
    }

    /** Bytes of GPU memory in use on the current device (total minus free), as {@code cudaMemGetInfo} sees it. */
    static long usedDeviceMemory() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return total.get() - free.get();
        }
    }
}
