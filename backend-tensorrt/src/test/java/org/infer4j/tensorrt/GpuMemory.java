package org.infer4j.tensorrt;

import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;

import org.bytedeco.javacpp.SizeTPointer;

/** GPU memory in use on the current device, as the memory test measures it. */
final class GpuMemory {
    private GpuMemory() {
    }

    static long used() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            int status = cudaMemGetInfo(free, total);
            if (status != 0) {
                throw new IllegalStateException("cudaMemGetInfo failed with cudaError " + status);
            }
            return total.get() - free.get();
        }
    }
}
