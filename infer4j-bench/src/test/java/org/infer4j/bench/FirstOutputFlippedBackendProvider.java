package org.infer4j.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import org.infer4j.Tensor;

/**
 * {@code test-first-output-flipped}: ort-cpu, except that the very first output it writes (of any
 * engine it builds) has the lowest bit of its first element flipped. The soak computes its reference
 * with the first runs of an engine, so this gives it a reference wrong by one bit.
 */
final class FirstOutputFlippedBackendProvider extends OrtCpuWrapperProvider {
    static final String NAME = "test-first-output-flipped";
    private final AtomicBoolean flipped = new AtomicBoolean();

    FirstOutputFlippedBackendProvider() {
        super(NAME, "ort-cpu with one bit of its first output flipped, for tests");
    }

    @Override
    void writeOutput(Tensor source, Tensor target) {
        target.copyFrom(source);
        if (flipped.compareAndSet(false, true)) {
            ByteBuffer b = target.buffer();
            int lowest = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0 : target.elementType().byteSize() - 1;
            b.put(lowest, (byte) (b.get(lowest) ^ 1));
        }
    }
}
