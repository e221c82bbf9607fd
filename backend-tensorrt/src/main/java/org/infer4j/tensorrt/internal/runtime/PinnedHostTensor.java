package org.infer4j.tensorrt.internal.runtime;

import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.infer4j.ElementType;
import org.infer4j.InferenceException;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.tensorrt.internal.nativeinterop.Cuda;
import org.jspecify.annotations.Nullable;

/**
 * A host tensor in page-locked memory: the GPU copies it asynchronously, without the staging
 * copy a pageable buffer needs. Owned by this object, freed on close. Thread safety as {@link Tensor}.
 */
final class PinnedHostTensor extends Tensor {
    private final Pointer address;
    private volatile @Nullable ByteBuffer storage;

    PinnedHostTensor(ElementType elementType, Shape shape) {
        super(elementType, shape);
        long bytes = byteSize();
        if (bytes > Integer.MAX_VALUE) {
            throw new org.infer4j.InvalidInputException("tensor " + describe() + " needs " + bytes
                    + " bytes; host tensors hold at most 2 GiB (split the batch)");
        }
        Pointer p = new Pointer();
        int status = cudaMallocHost(p, Math.max(bytes, 1));
        if (status != 0) {
            throw new InferenceException("cannot allocate " + bytes + " bytes of page-locked host memory: " + Cuda.errorText(status)
                    + "; use Tensor.allocate for ordinary memory, or raise the locked-memory limit (ulimit -l)");
        }
        this.address = p;
        Pointer.memset(p, 0, bytes);
        this.storage = new BytePointer(p).capacity(bytes).limit(bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    Pointer address() {
        ensureOpen();
        return address;
    }

    @Override
    public ByteBuffer buffer() {
        ByteBuffer s = storage;
        if (s == null || isClosed()) {
            throw new IllegalStateException("tensor " + describe() + " is closed");
        }
        return s.duplicate().order(ByteOrder.nativeOrder());
    }

    @Override
    protected void release() {
        storage = null;
        cudaFreeHost(address);
        address.setNull();
    }
}
