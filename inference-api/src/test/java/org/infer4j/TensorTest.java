package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TensorTest {

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
        assertThatThrownBy(() -> Tensor.wrap(ElementType.FLOAT32, ByteBuffer.allocateDirect(8), 4))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("8 bytes").hasMessageContaining("16");
    }

    @Test
    void copiesAHeapBufferWhenAskedTo() {
        ByteBuffer heap = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putFloat(0, 2.5f).putFloat(4, -1f);
        try (Tensor t = Tensor.copyOf(ElementType.FLOAT32, heap, 2)) {
            assertThat(t.toFloatArray()).containsExactly(2.5f, -1f);
        }
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
