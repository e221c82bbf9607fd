package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What ONNX Runtime itself does with a pre-allocated (pinned) output, which optimistic pinning in
 * {@link OrtBinding} relies on: it writes an output of the produced shape in place, and refuses
 * the run, rather than resize or write past it, when the output has another shape. Plain ONNX
 * Runtime API on {@code nonzero.onnx}: {@code positions = NonZero(x > 0)}, of shape
 * {@code [1, number of positive elements]}.
 */
class OnnxRuntimePinnedOutputsTest {
    private final OrtEnvironment env = OrtNative.environment();
    private OrtSession session;

    @BeforeEach
    void open() throws IOException, OrtException {
        try (InputStream in = getClass().getResourceAsStream("/org/infer4j/ort/nonzero.onnx")) {
            session = env.createSession(in.readAllBytes());
        }
    }

    @AfterEach
    void close() throws OrtException {
        session.close();
    }

    private OnnxTensor x(float... values) throws OrtException {
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(values), new long[] {values.length});
    }

    private OnnxTensor positions(long count) throws OrtException {
        ByteBuffer memory = ByteBuffer.allocateDirect((int) count * Long.BYTES).order(ByteOrder.nativeOrder());
        return OnnxTensor.createTensor(env, memory.asLongBuffer(), new long[] {1, count});
    }

    @Test
    void aPinnedOutputOfTheProducedShapeIsWrittenInPlace() throws OrtException {
        try (OnnxTensor x = x(1, -1, 2, 0);
             OnnxTensor pinned = positions(2);
             OrtSession.Result result = session.run(Map.of("x", x), Set.of(), Map.of("positions", pinned))) {
            assertThat(result.get("positions")).containsSame(pinned);
            long[] written = new long[2];
            pinned.getLongBuffer().get(written);
            assertThat(written).containsExactly(0, 2);
        }
    }

    @ParameterizedTest(name = "pinned [1, {0}], produced [1, {1}]")
    @CsvSource({"2, 3", "2, 1", "2, 0", "0, 2"})
    void aPinnedOutputOfAnotherShapeMakesTheRunFailNamingBothShapes(long pinnedCount, int producedCount) throws OrtException {
        float[] values = {-1, -1, -1, -1};
        java.util.Arrays.fill(values, 0, producedCount, 1);
        try (OnnxTensor x = x(values); OnnxTensor pinned = positions(pinnedCount)) {
            assertThatThrownBy(() -> session.run(Map.of("x", x), Set.of(), Map.of("positions", pinned)).close())
                    .isInstanceOfSatisfying(OrtException.class,
                            e -> assertThat(e.getCode()).isEqualTo(OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT))
                    .hasMessageContaining("'positions'")
                    .hasMessageContaining("{1," + pinnedCount + "}")
                    .hasMessageContaining("{1," + producedCount + "}");
            assertThat(pinned.getInfo().getShape()).as("the pinned tensor keeps its shape").containsExactly(1, pinnedCount);
        }
    }
}
