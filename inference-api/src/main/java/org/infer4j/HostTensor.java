package org.infer4j;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.infer4j.internal.DirectMemory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tensor over a direct buffer: JVM memory of its own, freed at once on close; the caller's
 * (wrapped), only detached on close; or adopted with a release action, run on close. A tensor
 * that owns memory and becomes unreachable without close logs a warning.
 */
final class HostTensor extends Tensor {
    private static final Logger log = LoggerFactory.getLogger(Tensor.class);
    /** One daemon thread runs the leak checks of every host tensor. */
    private static final Cleaner LEAK_CHECKS = Cleaner.create(r -> new Thread(r, "infer4j-tensor-leak-check"));

    private volatile @Nullable ByteBuffer storage;
    /** The buffer from {@link DirectMemory#allocate} that close frees, or null if the memory is not ours. */
    private final @Nullable ByteBuffer owned;
    private final @Nullable Runnable release;
    /** Null for a wrapped tensor, which has nothing to leak. */
    private final @Nullable LeakCheck leakCheck;

    private HostTensor(ElementType elementType, Shape shape, ByteBuffer storage, @Nullable ByteBuffer owned,
                       @Nullable Runnable release) {
        super(elementType, shape);
        this.storage = storage;
        this.owned = owned;
        this.release = release;
        this.leakCheck = owned != null || release != null ? new LeakCheck(this, owned != null) : null;
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
        if (leakCheck != null) {
            leakCheck.closed();
        }
        if (owned != null) {
            DirectMemory.free(owned);
        }
        if (release != null) {
            release.run();
        }
    }

    /**
     * Runs once: at close, where it only unregisters, or on the cleaner thread after the tensor
     * became unreachable unclosed, where it warns. It holds what the warning names, never the
     * tensor, which would then stay reachable for ever, nor the buffer: views handed out by
     * {@link #buffer()} may outlive the tensor, and the JDK frees the memory once they are gone.
     */
    private static final class LeakCheck implements Runnable {
        private final ElementType elementType;
        private final Shape shape;
        private final boolean jvmMemory;
        private final Cleaner.Cleanable registration;
        private volatile boolean closed;

        LeakCheck(HostTensor tensor, boolean jvmMemory) {
            this.elementType = tensor.elementType();
            this.shape = tensor.shape();
            this.jvmMemory = jvmMemory;
            this.registration = LEAK_CHECKS.register(tensor, this);
        }

        /** The tensor was closed: unregisters without a warning. */
        void closed() {
            closed = true;
            registration.clean();
        }

        @Override
        public void run() {
            if (!closed) {
                log.warn("tensor {}{} on HOST was never closed; {}. Close every tensor when done with it (try-with-resources; "
                        + "closing Outputs closes its tensors) so that its memory is freed at once", elementType, shape,
                        jvmMemory ? "its direct memory was left to the garbage collector" : "its release action never ran");
            }
        }
    }
}
