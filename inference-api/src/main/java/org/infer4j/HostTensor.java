package org.infer4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/** A tensor over a direct buffer: JVM-owned, caller-owned (wrapped) or adopted with a release action. */
final class HostTensor extends Tensor {
    private volatile @Nullable ByteBuffer storage;
    private final @Nullable Runnable release;

    HostTensor(ElementType elementType, Shape shape, ByteBuffer storage, @Nullable Runnable release) {
        super(elementType, shape);
        this.storage = storage;
        this.release = release;
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
        storage = null; // JVM-owned memory returns to the direct-memory pool once unreachable
        if (release != null) {
            release.run();
        }
    }
}
