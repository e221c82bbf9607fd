package org.infer4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.infer4j.internal.DirectMemory;
import org.infer4j.internal.HalfFloats;
import org.jspecify.annotations.Nullable;

/**
 * A dense, row-major tensor with a fully known shape, stored off the Java heap so that native
 * backends can read and write it without copying.
 *
 * <p><b>Ownership.</b> Every tensor owns its storage and frees it on {@link #close()}, at once:
 * not when the garbage collector finds it, which may be too late for a budget of direct memory
 * ({@code -XX:MaxDirectMemorySize}). The exception is a tensor made with {@link #wrap}: its buffer
 * stays the caller's, and close only detaches it. Tensors made by the factories here live in JVM
 * direct memory; backends hand out tensors in page-locked host memory or in GPU memory
 * ({@link MemoryLocation#DEVICE}), also freed at close. After close, every method but
 * {@link #close()} and {@link #isClosed()} throws {@link IllegalStateException}, closing twice is
 * harmless, and buffers obtained earlier from {@link #buffer()} must not be used. A host tensor
 * that owns memory and becomes unreachable without close logs a warning naming it.
 *
 * <p><b>Byte order.</b> Elements are stored in native byte order. {@link #copyOf} reads a buffer
 * in its own order and converts; {@link #wrap} and {@link #adopt}, which copy nothing, need a
 * buffer in native order for multi-byte element types.
 *
 * <p><b>Thread safety.</b> Reads from several threads are safe. Writes (through {@link #buffer()}
 * or {@link #copyFrom}) must not overlap other reads or writes, including an inference that uses
 * the tensor. Close a tensor only when no thread uses it any more: its memory is freed at once.
 *
 * <p>Backends may subclass this for their own memory (page-locked, device); subclasses must
 * release their memory in {@link #release()}.
 */
public abstract class Tensor implements AutoCloseable {
    private final ElementType elementType;
    private final Shape shape;
    private final long byteSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param shape a fully known shape
     * @throws InvalidInputException if the shape has unknown dimensions or is too large to address
     */
    protected Tensor(ElementType elementType, Shape shape) {
        this.elementType = Objects.requireNonNull(elementType, "elementType");
        this.shape = Objects.requireNonNull(shape, "shape");
        if (!shape.isStatic()) {
            throw new InvalidInputException("a tensor needs a fully known shape, not " + shape);
        }
        this.byteSize = byteSize(elementType, shape);
    }

    // ---- factories: copies of Java arrays -------------------------------------------------------

    /** A FLOAT32 tensor holding a copy of {@code values}. */
    public static Tensor of(float[] values, long... shape) {
        HostTensor t = allocateFor(ElementType.FLOAT32, values.length, shape);
        t.buffer().asFloatBuffer().put(values);
        return t;
    }

    /** An INT32 tensor holding a copy of {@code values}. */
    public static Tensor of(int[] values, long... shape) {
        HostTensor t = allocateFor(ElementType.INT32, values.length, shape);
        t.buffer().asIntBuffer().put(values);
        return t;
    }

    /** An INT64 tensor holding a copy of {@code values} (e.g. token ids). */
    public static Tensor of(long[] values, long... shape) {
        HostTensor t = allocateFor(ElementType.INT64, values.length, shape);
        t.buffer().asLongBuffer().put(values);
        return t;
    }

    /** A BOOL tensor holding a copy of {@code values}. */
    public static Tensor of(boolean[] values, long... shape) {
        HostTensor t = allocateFor(ElementType.BOOL, values.length, shape);
        ByteBuffer b = t.buffer();
        for (int i = 0; i < values.length; i++) {
            b.put(i, values[i] ? (byte) 1 : (byte) 0);
        }
        return t;
    }

    /** An INT8 tensor holding a copy of {@code values}. */
    public static Tensor ofInt8(byte[] values, long... shape) {
        HostTensor t = allocateFor(ElementType.INT8, values.length, shape);
        t.buffer().put(values);
        return t;
    }

    /** A UINT8 tensor holding a copy of {@code values}, read as unsigned (e.g. image pixels). */
    public static Tensor ofUint8(byte[] values, long... shape) {
        HostTensor t = allocateFor(ElementType.UINT8, values.length, shape);
        t.buffer().put(values);
        return t;
    }

    /** A FLOAT16 tensor holding {@code values} rounded to half precision (nearest, ties to even). */
    public static Tensor ofFloat16(float[] values, long... shape) {
        HostTensor t = allocateFor(ElementType.FLOAT16, values.length, shape);
        ByteBuffer b = t.buffer();
        for (int i = 0; i < values.length; i++) {
            b.putShort(2 * i, HalfFloats.floatToHalf(values[i]));
        }
        return t;
    }

    /** A BFLOAT16 tensor holding {@code values} rounded to bfloat16 (nearest, ties to even). */
    public static Tensor ofBFloat16(float[] values, long... shape) {
        HostTensor t = allocateFor(ElementType.BFLOAT16, values.length, shape);
        ByteBuffer b = t.buffer();
        for (int i = 0; i < values.length; i++) {
            b.putShort(2 * i, HalfFloats.floatToBfloat16(values[i]));
        }
        return t;
    }

    // ---- factories: buffers ---------------------------------------------------------------------

    /** A zero-filled tensor in JVM direct memory, for outputs or for inputs filled through {@link #buffer()}. */
    public static Tensor allocate(ElementType elementType, long... shape) {
        Shape s = concreteShape(shape);
        return HostTensor.owning(elementType, s, allocateDirect(elementType, s));
    }

    /**
     * A tensor holding a copy of {@code src}'s elements from its position, read in the buffer's
     * own byte order ({@link ByteBuffer#order()}) and stored in native order. A buffer's order is
     * big-endian unless set otherwise, so bytes written little-endian by another program need
     * {@code src.order(ByteOrder.LITTLE_ENDIAN)} first. {@code src} may be a heap or direct buffer;
     * its position and limit are left as they were.
     *
     * @throws InvalidInputException if fewer bytes remain in {@code src} than the tensor holds
     */
    public static Tensor copyOf(ElementType elementType, ByteBuffer src, long... shape) {
        Objects.requireNonNull(src, "src");
        requireCapacity(src, byteSize(elementType, concreteShape(shape)), "copyOf");
        Tensor t = allocate(elementType, shape);
        ByteBuffer from = src.duplicate().order(src.order());
        from.limit(from.position() + (int) t.byteSize());
        ByteBuffer to = t.buffer();
        if (from.order() == to.order() || elementType.byteSize() == 1) {
            to.put(from);
        } else {
            switch (elementType.byteSize()) {
                case 2 -> to.asShortBuffer().put(from.asShortBuffer());
                case 4 -> to.asIntBuffer().put(from.asIntBuffer());
                default -> to.asLongBuffer().put(from.asLongBuffer());
            }
        }
        return t;
    }

    /**
     * A tensor over the caller's direct buffer, from its position, without copying: writes to
     * either side show in the other. The buffer stays the caller's; closing the tensor only
     * detaches it and never frees it.
     *
     * <p>The tensor reads the memory in native byte order, so a buffer of multi-byte elements must
     * be in native order ({@code buffer.order(ByteOrder.nativeOrder())}, set before filling it);
     * {@code ByteBuffer.allocateDirect} starts big-endian, which would misread every element on
     * little-endian machines. INT8, UINT8 and BOOL have no byte order and are taken in either.
     *
     * @throws InvalidInputException if the buffer is not direct, not in native byte order, or too small
     */
    public static Tensor wrap(ElementType elementType, ByteBuffer direct, long... shape) {
        return over("Tensor.wrap", elementType, Shape.of(shape), direct, null);
    }

    /**
     * A tensor that takes ownership of {@code direct}: {@code release} runs exactly once, on
     * close. For backends and applications that hand out memory they allocated natively (e.g.
     * page-locked buffers). Like {@link #wrap}, it needs native byte order for multi-byte elements.
     *
     * @throws InvalidInputException if the buffer is not direct, not in native byte order, or too
     *     small; {@code release} has not run and the memory is still the caller's
     */
    public static Tensor adopt(ElementType elementType, Shape shape, ByteBuffer direct, @Nullable Runnable release) {
        return over("Tensor.adopt", elementType, shape, direct, release);
    }

    private static Tensor over(String what, ElementType elementType, Shape shape, ByteBuffer direct, @Nullable Runnable release) {
        Objects.requireNonNull(direct, "direct");
        if (!direct.isDirect()) {
            throw new InvalidInputException("a heap ByteBuffer cannot be handed to native code without a copy; "
                    + "use a direct buffer (ByteBuffer.allocateDirect) or Tensor.copyOf");
        }
        if (elementType.byteSize() > 1 && direct.order() != ByteOrder.nativeOrder()) {
            throw new InvalidInputException(what + ": the buffer is " + direct.order() + " but " + elementType
                    + " elements are read in place in native byte order (" + ByteOrder.nativeOrder()
                    + "), so every value would be misread; call buffer.order(ByteOrder.nativeOrder()) before writing "
                    + "into it, or use Tensor.copyOf, which converts from the buffer's order");
        }
        Shape s = concreteShape(shape.toArray());
        long needed = byteSize(elementType, s);
        requireCapacity(direct, needed, what);
        ByteBuffer view = direct.slice().limit((int) needed).order(ByteOrder.nativeOrder());
        return HostTensor.over(elementType, s, view, release);
    }

    // ---- properties -----------------------------------------------------------------------------

    public final ElementType elementType() {
        return elementType;
    }

    public final Shape shape() {
        return shape;
    }

    public final long elementCount() {
        return byteSize / elementType.byteSize();
    }

    public final long byteSize() {
        return byteSize;
    }

    /** Where the elements live; {@link #buffer()} and the read-back methods work directly only on the host. */
    public MemoryLocation location() {
        return MemoryLocation.HOST;
    }

    public final boolean isClosed() {
        return closed.get();
    }

    /**
     * The tensor's own storage as a new buffer view in native byte order, position 0, limit
     * {@link #byteSize()}: write inputs into it in place.
     *
     * <p>The view, and every buffer made from it, must not be used after {@link #close()}: a tensor
     * that owns its memory frees it then, and a view used afterwards reads or writes freed native
     * memory, which can crash the JVM or corrupt other data instead of throwing.
     *
     * @throws IllegalStateException if the tensor is closed or lives on the device
     */
    public ByteBuffer buffer() {
        ensureOpen();
        throw new IllegalStateException(describe() + " lives in GPU memory; copy it to a host tensor with "
                + "hostTensor.copyFrom(deviceTensor) first");
    }

    // ---- read-back --------------------------------------------------------------------------------

    /** The elements as floats; FLOAT16 and BFLOAT16 are widened exactly. */
    public final float[] toFloatArray() {
        requireType("toFloatArray()", ElementType.FLOAT32, ElementType.FLOAT16, ElementType.BFLOAT16);
        ByteBuffer b = readable();
        float[] out = new float[Math.toIntExact(elementCount())];
        switch (elementType) {
            case FLOAT32 -> b.asFloatBuffer().get(out);
            case FLOAT16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloats.halfToFloat(b.getShort(2 * i));
                }
            }
            default -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloats.bfloat16ToFloat(b.getShort(2 * i));
                }
            }
        }
        return out;
    }

    /** The elements of an INT32 tensor, or of INT8/UINT8 widened (UINT8 as 0..255). */
    public final int[] toIntArray() {
        requireType("toIntArray()", ElementType.INT32, ElementType.INT8, ElementType.UINT8);
        ByteBuffer b = readable();
        int[] out = new int[Math.toIntExact(elementCount())];
        switch (elementType) {
            case INT32 -> b.asIntBuffer().get(out);
            case INT8 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.get(i);
                }
            }
            default -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.get(i) & 0xff;
                }
            }
        }
        return out;
    }

    /** The elements of an INT64 tensor, or of an INT32 tensor widened. */
    public final long[] toLongArray() {
        requireType("toLongArray()", ElementType.INT64, ElementType.INT32);
        ByteBuffer b = readable();
        long[] out = new long[Math.toIntExact(elementCount())];
        if (elementType == ElementType.INT64) {
            b.asLongBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = b.getInt(4 * i);
            }
        }
        return out;
    }

    /** The raw bytes of an INT8, UINT8 or BOOL tensor. */
    public final byte[] toByteArray() {
        requireType("toByteArray()", ElementType.INT8, ElementType.UINT8, ElementType.BOOL);
        byte[] out = new byte[Math.toIntExact(elementCount())];
        readable().get(out);
        return out;
    }

    /** The elements of a BOOL tensor; any non-zero byte is true. */
    public final boolean[] toBooleanArray() {
        requireType("toBooleanArray()", ElementType.BOOL);
        ByteBuffer b = readable();
        boolean[] out = new boolean[Math.toIntExact(elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i) != 0;
        }
        return out;
    }

    // ---- copies --------------------------------------------------------------------------------------

    /**
     * Copies {@code source}'s elements into this tensor: host to host, or, where either side is
     * device memory, an upload or a download that has completed when this returns.
     *
     * @throws InvalidInputException if the element types or shapes differ
     */
    public final void copyFrom(Tensor source) {
        Objects.requireNonNull(source, "source");
        ensureOpen();
        source.ensureOpen();
        if (source.elementType != elementType || !source.shape.equals(shape)) {
            throw new InvalidInputException("cannot copy " + source.describe() + " into " + describe()
                    + ": element type and shape must match");
        }
        if (location() == MemoryLocation.DEVICE) {
            copyBetween(source, this);
        } else if (source.location() == MemoryLocation.DEVICE) {
            source.copyBetween(source, this);
        } else {
            buffer().put(source.buffer());
        }
    }

    /**
     * Device tensors implement uploads, downloads and device copies here; {@code this} is the
     * device side, {@code source} or {@code target}. Types and shapes have been checked.
     */
    protected void copyBetween(Tensor source, Tensor target) {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement copyBetween");
    }

    // ---- lifecycle -----------------------------------------------------------------------------------

    /** Releases the storage; idempotent. */
    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    /** Frees the memory this tensor owns; called exactly once, by the first {@link #close()}. */
    protected abstract void release();

    /** @throws IllegalStateException if this tensor is closed */
    protected final void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("tensor " + describe() + " is closed");
        }
    }

    /** Like {@code FLOAT32[1, 3, 224, 224] on HOST}. */
    public final String describe() {
        return elementType + "" + shape + " on " + location();
    }

    @Override
    public String toString() {
        return "Tensor " + describe() + (isClosed() ? " (closed)" : "");
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private ByteBuffer readable() {
        if (location() == MemoryLocation.HOST) {
            return buffer();
        }
        try (Tensor host = allocate(elementType, shape.toArray())) {
            host.copyFrom(this);
            ByteBuffer copy = ByteBuffer.allocate((int) byteSize).order(ByteOrder.nativeOrder());
            copy.put(host.buffer()).flip();
            return copy;
        }
    }

    private void requireType(String method, ElementType... accepted) {
        ensureOpen();
        for (ElementType t : accepted) {
            if (t == elementType) {
                return;
            }
        }
        throw new InferenceException(method + " reads " + java.util.Arrays.toString(accepted)
                + " tensors, but this one is " + describe() + "; use the read-back method for " + elementType);
    }

    private static HostTensor allocateFor(ElementType type, int valueCount, long[] shape) {
        Shape s = concreteShape(shape);
        if (s.elementCount() != valueCount) {
            throw new InvalidInputException(valueCount + " values do not fill shape " + s + ", which holds "
                    + s.elementCount() + " elements");
        }
        return HostTensor.owning(type, s, allocateDirect(type, s));
    }

    private static Shape concreteShape(long[] dims) {
        Objects.requireNonNull(dims, "shape");
        for (long d : dims) {
            if (d < 0) {
                throw new InvalidInputException("a tensor's shape must be fully known and non-negative, not "
                        + java.util.Arrays.toString(dims));
            }
        }
        return Shape.of(dims);
    }

    private static ByteBuffer allocateDirect(ElementType type, Shape s) {
        long bytes = byteSize(type, s);
        if (bytes > Integer.MAX_VALUE) {
            throw new InvalidInputException("tensor " + type + s + " needs " + bytes
                    + " bytes; host tensors made here hold at most 2 GiB (split the batch)");
        }
        return DirectMemory.allocate((int) bytes);
    }

    private static long byteSize(ElementType type, Shape s) {
        try {
            return Math.multiplyExact(s.elementCount(), (long) type.byteSize());
        } catch (ArithmeticException e) {
            throw new InvalidInputException("shape " + s + " of " + type + " is too large to address", e);
        }
    }

    private static void requireCapacity(ByteBuffer b, long needed, String what) {
        if (b.remaining() < needed) {
            throw new InvalidInputException(what + ": the buffer has " + b.remaining() + " bytes remaining but the tensor needs "
                    + needed);
        }
    }
}
