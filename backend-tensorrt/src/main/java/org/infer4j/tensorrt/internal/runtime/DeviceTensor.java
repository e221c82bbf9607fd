package org.infer4j.tensorrt.internal.runtime;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemset;

import org.bytedeco.javacpp.Pointer;
import org.infer4j.ElementType;
import org.infer4j.MemoryLocation;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.tensorrt.internal.nativeinterop.Cuda;

/**
 * A tensor in GPU memory on one device, owned by this object and freed on close. Uploads and
 * downloads through {@link Tensor#copyFrom} are synchronous {@code cudaMemcpy} calls; engines
 * bind its address directly. Thread safety as {@link Tensor}.
 */
final class DeviceTensor extends Tensor {
    /** cudaMemcpyDefault: the direction follows from the unified addresses of both sides. */
    private static final int COPY_BY_ADDRESS = 4;

    private final int device;
    private final Pointer address;

    DeviceTensor(ElementType elementType, Shape shape, int device) {
        super(elementType, shape);
        this.device = device;
        Cuda.useDevice(device);
        Pointer p = new Pointer();
        int status = cudaMalloc(p, Math.max(byteSize(), 1));
        if (status != 0) {
            throw new org.infer4j.InferenceException("cannot allocate " + byteSize() + " bytes of GPU memory on device " + device
                    + " for a " + elementType + shape + " tensor: " + Cuda.errorText(status)
                    + "; free device tensors or engines you no longer need");
        }
        this.address = p;
        try {
            Cuda.check(cudaMemset(p, 0, byteSize()), "cudaMemset");
        } catch (RuntimeException e) {
            cudaFree(p);
            throw e;
        }
    }

    @Override
    public MemoryLocation location() {
        return MemoryLocation.DEVICE;
    }

    /** The device address, for binding to TensorRT. */
    Pointer address() {
        ensureOpen();
        return address;
    }

    int device() {
        return device;
    }

    @Override
    protected void copyBetween(Tensor source, Tensor target) {
        Pointer from = pointerOf(source);
        Pointer to = pointerOf(target);
        Cuda.useDevice(device);
        Cuda.check(cudaMemcpy(to, from, byteSize(), COPY_BY_ADDRESS), "copying " + source.describe() + " to " + target.describe());
    }

    private static Pointer pointerOf(Tensor t) {
        if (t instanceof DeviceTensor d) {
            return d.address();
        }
        if (t.location() == MemoryLocation.DEVICE) {
            throw new org.infer4j.InvalidInputException(t.describe() + " is device memory of another backend; copy it through "
                    + "a host tensor");
        }
        return new Pointer(t.buffer());
    }

    @Override
    protected void release() {
        cudaFree(address);
        address.setNull();
    }
}
