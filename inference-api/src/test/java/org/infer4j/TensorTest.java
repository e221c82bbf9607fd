package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.infer4j.internal.HalfFloats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class TensorTest {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ByteOrder FOREIGN = NATIVE == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;

    @Test
    void holdsACopyOfJavaArraysInNativeOrderOffHeap() {
        float[] values = {1f, 2f, 3f, 4f, 5f, 6f};
        try (Tensor t = Tensor.of(values, 2, 3)) {
            values[0] = 99f;
            assertThat(t.elementType()).isEqualTo(ElementType.FLOAT32);
            assertThat(t.shape()).isEqualTo(Shape.of(2, 3));
            assertThat(t.byteSize()).isEqualTo(24);
            assertThat(t.buffer().isDirect()).isTrue();
            assertThat(t.buffer().order()).isEqualTo(ByteOrder.nativeOrder());
            assertThat(t.toFloatArray()).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
        }
    }

    @Test
    void readsBackEveryElementTypeThroughItsTypedMethod() {
        try (Tensor i32 = Tensor.of(new int[] {-1, 2}, 2); Tensor i64 = Tensor.of(new long[] {Long.MIN_VALUE, 3}, 2);
             Tensor b = Tensor.of(new boolean[] {true, false}, 2); Tensor i8 = Tensor.ofInt8(new byte[] {-5, 5}, 2);
             Tensor u8 = Tensor.ofUint8(new byte[] {(byte) 255, 1}, 2)) {
            assertThat(i32.toIntArray()).containsExactly(-1, 2);
            assertThat(i32.toLongArray()).containsExactly(-1L, 2L);
            assertThat(i64.toLongArray()).containsExactly(Long.MIN_VALUE, 3L);
            assertThat(b.toBooleanArray()).containsExactly(true, false);
            assertThat(b.toByteArray()).containsExactly(1, 0);
            assertThat(i8.toIntArray()).containsExactly(-5, 5);
            assertThat(u8.toIntArray()).as("UINT8 reads as unsigned").containsExactly(255, 1);
        }
    }

    @Test
    void roundsToHalfAndBfloat16ToNearestEven() {
        try (Tensor h = Tensor.ofFloat16(new float[] {1f, 65504f, 1e-8f, 1.0009765625f, 70000f, -0f}, 6);
             Tensor bf = Tensor.ofBFloat16(new float[] {1f, 3.14159f, Float.NaN}, 3)) {
            assertThat(h.byteSize()).isEqualTo(12);
            assertThat(h.toFloatArray()).containsExactly(1f, 65504f, 0f, 1.0009765625f, Float.POSITIVE_INFINITY, -0f);
            float[] b = bf.toFloatArray();
            assertThat(b[0]).isEqualTo(1f);
            assertThat(b[1]).isEqualTo(3.140625f);
            assertThat(b[2]).isNaN();
        }
    }

    @Test
    void refusesAReadBackOfAnotherTypeNamingTheRightMethod() {
        try (Tensor t = Tensor.of(new long[] {1}, 1)) {
            assertThatThrownBy(t::toFloatArray).isInstanceOf(InferenceException.class).hasMessageContaining("INT64")
                    .hasMessageContaining("toFloatArray()");
        }
    }

    @Test
    void refusesValuesThatDoNotFillTheShape() {
        assertThatThrownBy(() -> Tensor.of(new float[5], 2, 3)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("5 values").hasMessageContaining("[2, 3]").hasMessageContaining("6 elements");
        assertThatThrownBy(() -> Tensor.allocate(ElementType.FLOAT32, 2, -1)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("fully known");
    }

    @Test
    void wrapsADirectBufferWithoutCopyingAndLeavesItToTheCaller() {
        ByteBuffer mine = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        Tensor t = Tensor.wrap(ElementType.INT32, mine, 4);
        mine.putInt(8, 42);
        assertThat(t.toIntArray()).containsExactly(0, 0, 42, 0);
        t.buffer().putInt(0, 7);
        assertThat(mine.getInt(0)).isEqualTo(7);
        t.close();
        assertThat(mine.getInt(0)).as("the buffer stays usable").isEqualTo(7);
    }

    @Test
    void refusesHeapAndTooSmallBuffersForWrapping() {
        assertThatThrownBy(() -> Tensor.wrap(ElementType.FLOAT32, ByteBuffer.allocate(16), 4))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("heap").hasMessageContaining("copyOf");
        assertThatThrownBy(() -> Tensor.wrap(ElementType.FLOAT32, ByteBuffer.allocateDirect(8).order(NATIVE), 4))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("8 bytes").hasMessageContaining("16");
    }

    @Test
    void copiesAHeapBufferWhenAskedTo() {
        ByteBuffer heap = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putFloat(0, 2.5f).putFloat(4, -1f);
        try (Tensor t = Tensor.copyOf(ElementType.FLOAT32, heap, 2)) {
            assertThat(t.toFloatArray()).containsExactly(2.5f, -1f);
        }
    }

    // ---- byte order -----------------------------------------------------------------------------

    @Test
    void copiesFloatsWrittenThroughADefaultBigEndianBufferAsTheyWereWritten() {
        ByteBuffer javaDefault = ByteBuffer.allocateDirect(8);
        javaDefault.asFloatBuffer().put(new float[] {0.152f, -0.283f});
        try (Tensor t = Tensor.copyOf(ElementType.FLOAT32, javaDefault, 2)) {
            assertThat(t.toFloatArray()).containsExactly(0.152f, -0.283f);
            assertThat(t.buffer().order()).isEqualTo(NATIVE);
        }
    }

    static Stream<Arguments> everyTypeInBothOrdersOnAndOffHeap() {
        return Arrays.stream(ElementType.values()).flatMap(type -> Stream.of(NATIVE, FOREIGN)
                .flatMap(order -> Stream.of(Arguments.of(type, order, true), Arguments.of(type, order, false))));
    }

    @ParameterizedTest(name = "{0} from a {1} buffer, direct: {2}")
    @MethodSource("everyTypeInBothOrdersOnAndOffHeap")
    void copyOfReadsEveryElementTypeInTheBuffersOwnByteOrder(ElementType type, ByteOrder order, boolean direct) {
        ByteBuffer src = (direct ? ByteBuffer.allocateDirect(3 * type.byteSize()) : ByteBuffer.allocate(3 * type.byteSize()))
                .order(order);
        putSamples(type, src);
        try (Tensor copy = Tensor.copyOf(type, src, 3); Tensor expected = samples(type)) {
            assertThat(copy.buffer()).as("the same elements as the typed factory makes").isEqualTo(expected.buffer());
        }
    }

    @Test
    void copyOfStartsAtThePositionAndLeavesTheBufferAsItWas() {
        ByteBuffer src = ByteBuffer.allocate(12).order(FOREIGN).putInt(4, 7).putInt(8, -8);
        src.position(4);
        try (Tensor t = Tensor.copyOf(ElementType.INT32, src, 2)) {
            assertThat(t.toIntArray()).containsExactly(7, -8);
        }
        assertThat(src.position()).isEqualTo(4);
        assertThat(src.limit()).isEqualTo(12);
        assertThat(src.order()).isEqualTo(FOREIGN);
    }

    @ParameterizedTest
    @EnumSource(ElementType.class)
    void copyOfRefusesABufferWithFewerBytesThanTheTensorHolds(ElementType type) {
        ByteBuffer tooSmall = ByteBuffer.allocate(4 * type.byteSize() - 1).order(FOREIGN);
        assertThatThrownBy(() -> Tensor.copyOf(type, tooSmall, 2, 2)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("copyOf").hasMessageContaining((4 * type.byteSize() - 1) + " bytes")
                .hasMessageContaining("needs " + 4 * type.byteSize());
    }

    @ParameterizedTest
    @EnumSource(ElementType.class)
    void wrapReadsANativeOrderBufferOfEveryElementTypeInPlace(ElementType type) {
        ByteBuffer mine = ByteBuffer.allocateDirect(3 * type.byteSize()).order(NATIVE);
        putSamples(type, mine);
        try (Tensor wrapped = Tensor.wrap(type, mine, 3); Tensor expected = samples(type)) {
            assertThat(wrapped.buffer()).isEqualTo(expected.buffer());
        }
    }

    @ParameterizedTest
    @EnumSource(value = ElementType.class, names = {"FLOAT32", "FLOAT16", "BFLOAT16", "INT32", "INT64"})
    void wrapRefusesABufferNotInNativeOrderForMultiByteElements(ElementType type) {
        ByteBuffer foreign = ByteBuffer.allocateDirect(3 * type.byteSize()).order(FOREIGN);
        assertThatThrownBy(() -> Tensor.wrap(type, foreign, 3)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("Tensor.wrap").hasMessageContaining("the buffer is " + FOREIGN)
                .hasMessageContaining(type + " elements are read in place in native byte order (" + NATIVE + ")")
                .hasMessageContaining("buffer.order(ByteOrder.nativeOrder())").hasMessageContaining("Tensor.copyOf");
    }

    @ParameterizedTest
    @EnumSource(value = ElementType.class, names = {"INT8", "UINT8", "BOOL"})
    void wrapTakesSingleByteElementsInEitherOrderSinceTheyHaveNone(ElementType type) {
        for (ByteOrder order : new ByteOrder[] {NATIVE, FOREIGN}) {
            ByteBuffer mine = ByteBuffer.allocateDirect(3).order(order);
            putSamples(type, mine);
            try (Tensor wrapped = Tensor.wrap(type, mine, 3); Tensor expected = samples(type)) {
                assertThat(wrapped.buffer()).as("from a %s buffer", order).isEqualTo(expected.buffer());
            }
        }
    }

    @Test
    void adoptRefusesABufferNotInNativeOrderWithoutReleasingIt() {
        AtomicInteger releases = new AtomicInteger();
        ByteBuffer foreign = ByteBuffer.allocateDirect(8).order(FOREIGN);
        assertThatThrownBy(() -> Tensor.adopt(ElementType.FLOAT32, Shape.of(2), foreign, releases::incrementAndGet))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("Tensor.adopt")
                .hasMessageContaining("buffer.order(ByteOrder.nativeOrder())");
        assertThat(releases).as("the memory is still the caller's").hasValue(0);
    }

    /** Three values of each type, typed through the buffer's own byte order from its position; as {@link #samples}. */
    private static void putSamples(ElementType type, ByteBuffer b) {
        int at = b.position();
        switch (type) {
            case FLOAT32 -> b.putFloat(at, 0.152f).putFloat(at + 4, -0.283f).putFloat(at + 8, 1e-30f);
            case FLOAT16 -> b.putShort(at, HalfFloats.floatToHalf(0.5f)).putShort(at + 2, HalfFloats.floatToHalf(-2.25f))
                    .putShort(at + 4, HalfFloats.floatToHalf(65504f));
            case BFLOAT16 -> b.putShort(at, HalfFloats.floatToBfloat16(1f)).putShort(at + 2, HalfFloats.floatToBfloat16(-3.5f))
                    .putShort(at + 4, HalfFloats.floatToBfloat16(1e20f));
            case INT8 -> b.put(at, (byte) -128).put(at + 1, (byte) 0).put(at + 2, (byte) 127);
            case UINT8 -> b.put(at, (byte) 0).put(at + 1, (byte) 200).put(at + 2, (byte) 255);
            case INT32 -> b.putInt(at, Integer.MIN_VALUE).putInt(at + 4, 1).putInt(at + 8, 30522);
            case INT64 -> b.putLong(at, Long.MAX_VALUE).putLong(at + 8, 1).putLong(at + 16, 30522);
            case BOOL -> b.put(at, (byte) 1).put(at + 1, (byte) 0).put(at + 2, (byte) 1);
        }
    }

    /** The tensor that the typed factory makes of {@link #putSamples}'s values. */
    private static Tensor samples(ElementType type) {
        return switch (type) {
            case FLOAT32 -> Tensor.of(new float[] {0.152f, -0.283f, 1e-30f}, 3);
            case FLOAT16 -> Tensor.ofFloat16(new float[] {0.5f, -2.25f, 65504f}, 3);
            case BFLOAT16 -> Tensor.ofBFloat16(new float[] {1f, -3.5f, 1e20f}, 3);
            case INT8 -> Tensor.ofInt8(new byte[] {-128, 0, 127}, 3);
            case UINT8 -> Tensor.ofUint8(new byte[] {0, (byte) 200, (byte) 255}, 3);
            case INT32 -> Tensor.of(new int[] {Integer.MIN_VALUE, 1, 30522}, 3);
            case INT64 -> Tensor.of(new long[] {Long.MAX_VALUE, 1, 30522}, 3);
            case BOOL -> Tensor.of(new boolean[] {true, false, true}, 3);
        };
    }

    @Test
    void adoptedMemoryIsReleasedExactlyOnceOnClose() {
        AtomicInteger releases = new AtomicInteger();
        Tensor t = Tensor.adopt(ElementType.UINT8, Shape.of(4), ByteBuffer.allocateDirect(4), releases::incrementAndGet);
        t.close();
        t.close();
        assertThat(releases).hasValue(1);
    }

    @Test
    void aClosedTensorThrowsIllegalStateAndClosingTwiceIsHarmless() {
        Tensor t = Tensor.of(new float[] {1f}, 1);
        t.close();
        t.close();
        assertThat(t.isClosed()).isTrue();
        assertThatThrownBy(t::buffer).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(t::toFloatArray).isInstanceOf(IllegalStateException.class);
        try (Tensor other = Tensor.of(new float[] {2f}, 1)) {
            assertThatThrownBy(() -> other.copyFrom(t)).isInstanceOf(IllegalStateException.class);
        }
        assertThat(t.toString()).contains("closed");
    }

    @Test
    void copiesBetweenTensorsOfTheSameTypeAndShapeOnly() {
        try (Tensor a = Tensor.of(new float[] {1f, 2f}, 2); Tensor b = Tensor.allocate(ElementType.FLOAT32, 2);
             Tensor c = Tensor.allocate(ElementType.FLOAT32, 1, 2)) {
            b.copyFrom(a);
            assertThat(b.toFloatArray()).containsExactly(1f, 2f);
            assertThatThrownBy(() -> c.copyFrom(a)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("FLOAT32[2]").hasMessageContaining("FLOAT32[1, 2]");
        }
    }

    @Test
    void aScalarHasOneElement() {
        try (Tensor s = Tensor.of(new float[] {3f})) {
            assertThat(s.shape().rank()).isZero();
            assertThat(s.elementCount()).isEqualTo(1);
        }
    }
}
