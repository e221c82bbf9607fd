package org.infer4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.infer4j.internal.DirectMemory;
import org.jspecify.annotations.Nullable;

/**
 * A tensor over a direct buffer: JVM memory of its own, freed at once on close; the caller's
 * (wrapped), only detached on close; or adopted with a release action, run on close.
 */
final class HostTensor extends Tensor {
    private volatile @Nullable ByteBuffer storage;
    /** The buffer from {@link DirectMemory#allocate} that close frees, or null if the memory is not ours. */
    private final @Nullable ByteBuffer owned;
    private final @Nullable Runnable release;

    private HostTensor(ElementType elementType, Shape shape, ByteBuffer storage, @Nullable ByteBuffer owned,
                       @Nullable Runnable release) {
        super(elementType, shape);
        this.storage = storage;
        this.owned = owned;
        this.release = release;
    }

    /** A tensor that owns {@code allocated}, a buffer from {@link DirectMemory#allocate}, and frees it on close. */
    static HostTensor owning(ElementType elementType, Shape shape, ByteBuffer allocated) {
        return new HostTensor(elementType, shape, allocated, allocated, null);
    }

    /** A tensor over memory that is not the JVM's to free: {@code release}, if any, runs on close. */
    static HostTensor over(ElementType elementType, Shape shape, ByteBuffer view, @Nullable Runnable release) {
        return new HostTensor(elementType, shape, view, null, release);
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
        if (owned != null) {
            DirectMemory.free(owned);
        }
        if (release != null) {
            release.run();
        }
    }
}
