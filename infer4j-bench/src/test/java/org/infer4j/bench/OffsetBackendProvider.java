package org.infer4j.bench;

import org.infer4j.ElementType;
import org.infer4j.Tensor;

/**
 * {@code test-offset}: ort-cpu with {@value #OFFSET} added to every FLOAT32 output, a backend that
 * runs but gives wrong answers. Registered in META-INF/services for the discovery test.
 */
public final class OffsetBackendProvider extends OrtCpuWrapperProvider {
    static final String NAME = "test-offset";
    static final float OFFSET = 0.5f;

    public OffsetBackendProvider() {
        super(NAME, "ort-cpu off by " + OFFSET + ", for tests");
    }

    @Override
    void writeOutput(Tensor source, Tensor target) {
        if (source.elementType() != ElementType.FLOAT32) {
            target.copyFrom(source);
            return;
        }
        float[] values = source.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            values[i] += OFFSET;
        }
        target.buffer().asFloatBuffer().put(values);
    }
}
