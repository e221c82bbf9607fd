package org.infer4j.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JVM direct buffers that are freed when their owner says so. The JDK frees a direct buffer only
 * after the garbage collector has found it unreachable; a heap that sees little garbage may not
 * collect for a long time while tensors of many megabytes come and go, and the JDK's last resort
 * on exhaustion, {@code System.gc()}, does nothing under {@code -XX:+DisableExplicitGC}. Then
 * {@code ByteBuffer.allocateDirect} throws {@link OutOfMemoryError} although every tensor was
 * closed. {@link #free} releases the memory at once, through {@code sun.misc.Unsafe.invokeCleaner}
 * (module {@code jdk.unsupported}), which also returns the bytes to the
 * {@code -XX:MaxDirectMemorySize} budget. Where that method cannot be reached, {@link #free} does
 * nothing and the memory waits for the collector; the first such call logs one warning.
 *
 * <p>The contract of {@link #free}: pass only a buffer that {@link #allocate} returned (not a
 * slice, duplicate or other view of it), at most once, and only when nothing will read or write
 * the memory again through it or any view made of it. Native memory used after it is freed is
 * not an exception but a crash or silent corruption, so owners must stop handing out views
 * before they free.
 */
public final class DirectMemory {
    private static final Logger log = LoggerFactory.getLogger(DirectMemory.class);
    private static final AtomicBoolean warned = new AtomicBoolean();
    /** {@code unsafe.invokeCleaner(ByteBuffer)} bound to the instance, or null where unavailable. */
    private static final @Nullable MethodHandle INVOKE_CLEANER;
    /** Why {@link #INVOKE_CLEANER} is null; empty when it is not. */
    private static final String UNAVAILABLE;

    static {
        MethodHandle handle = null;
        String problem = "";
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            handle = MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(theUnsafe.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            problem = e.toString();
        }
        INVOKE_CLEANER = handle;
        UNAVAILABLE = problem;
    }

    private DirectMemory() {
    }

    /** A zero-filled direct buffer of {@code bytes} bytes in native byte order, to be given to {@link #free}. */
    public static ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Frees {@code buffer}'s memory now; see the class comment for what the caller guarantees.
     *
     * @throws IllegalArgumentException if {@code buffer} is not direct, or is a slice or duplicate
     */
    public static void free(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("only direct buffers hold memory to free, not " + buffer);
        }
        MethodHandle invokeCleaner = INVOKE_CLEANER;
        if (invokeCleaner == null) {
            if (warned.compareAndSet(false, true)) {
                log.warn("closed tensors' direct memory is left to the garbage collector, because sun.misc.Unsafe.invokeCleaner "
                        + "is unavailable ({}); make the module jdk.unsupported available, or give the JVM direct memory "
                        + "(-XX:MaxDirectMemorySize) for the tensors that wait for a collection", UNAVAILABLE);
            }
            return;
        }
        try {
            invokeCleaner.invokeExact(buffer);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable impossible) {
            throw new IllegalStateException("invokeCleaner threw a checked exception", impossible);
        }
    }
}
