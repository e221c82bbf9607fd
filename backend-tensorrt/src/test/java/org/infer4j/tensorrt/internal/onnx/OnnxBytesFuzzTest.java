package org.infer4j.tensorrt.internal.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infer4j.ModelLoadException;
import org.infer4j.Precision;
import org.infer4j.TensorInfo;
import org.infer4j.spi.EngineConfig;
import org.infer4j.tensorrt.internal.build.EngineCacheKey;
import org.infer4j.tensorrt.internal.build.ProfilePlan;

/**
 * What the tensorrt backend reads of a model's bytes on the CPU, before TensorRT sees them, holds
 * for any bytes: it ends normally or in its one documented exception, never in another exception,
 * a hang or an exhausted heap. A plain build replays {@code OnnxBytesFuzzTestInputs} (the shipped
 * models, damaged copies of them, and every input a fuzzing run found); {@code -Pfuzz} fuzzes
 * (docs/fuzzing.md).
 */
class OnnxBytesFuzzTest {
    /** How deep the reader walk descends into length-delimited fields read as messages. */
    private static final int WALK_DEPTH = 8;

    /**
     * The protobuf reader, walked over every field and into every length-delimited field as a
     * message of its own, advances past each field without leaving its message, or says the bytes
     * are malformed.
     */
    @FuzzTest(maxDuration = "5m")
    void theProtobufReaderAdvancesOrCallsTheBytesMalformed(byte[] bytes) {
        try {
            walk(new Protobuf(bytes, 0, bytes.length), bytes.length, 0);
        } catch (Protobuf.MalformedException expected) {
            // the reader's one exception for bytes that are not protobuf
        }
    }

    private static void walk(Protobuf message, int end, int depth) {
        while (message.next()) {
            int fieldStart = message.fieldStart();
            if (message.isLengthDelimited() && depth < WALK_DEPTH) {
                Protobuf child = message.message();
                try {
                    walk(child, message.position(), depth + 1);
                } catch (Protobuf.MalformedException notAMessage) {
                    // a string or packed numbers; the parent goes on after the field all the same
                }
            } else {
                message.skip();
            }
            assertThat(message.position()).isGreaterThan(fieldStart).isLessThanOrEqualTo(end);
        }
    }

    /**
     * What {@code TensorRtProvider.create} derives from the bytes before it needs a GPU (the inputs
     * and outputs, the default optimisation profile and the engine-cache key) is derived, or the
     * bytes are a {@link ModelLoadException}.
     */
    @FuzzTest(maxDuration = "5m")
    void modelInspectionDerivesTheCacheKeyOrThrowsModelLoadException(byte[] model) {
        Optional<OnnxModelInfo> inspected = inspect(model);
        if (inspected.isEmpty()) {
            return;
        }
        OnnxModelInfo info = inspected.get();
        assertThat(info.inputs()).isNotEmpty();
        assertThat(info.outputs()).isNotEmpty();
        ProfilePlan plan = ProfilePlan.derive(info.inputs(), Map.of());
        assertThat(plan.ranges()).containsOnlyKeys(info.inputs().stream().map(TensorInfo::name).toList());
        EngineConfig config = new EngineConfig(null, model, 0, Precision.FP32, Map.of(), List.of(), Map.of());
        EngineCacheKey key = new EngineCacheKey(config.modelDigest(), "fuzzed GPU", 9, 0, "10.6.0", Precision.FP32, false, 0,
                3, plan.canonical());
        assertThat(key.digest()).hasSize(64);
    }

    /**
     * Folding initializer identities either leaves the model alone, or rewrites it into well-formed
     * bytes with the same inputs and outputs; bytes it cannot read are malformed.
     */
    @FuzzTest(maxDuration = "5m")
    void foldingKeepsInputsAndOutputsOrCallsTheBytesMalformed(byte[] model) {
        Optional<ParserRewrite.Rewritten> folded;
        try {
            folded = ParserRewrite.rewrite(model);
        } catch (Protobuf.MalformedException expected) {
            return;
        }
        if (folded.isEmpty()) {
            return;
        }
        assertThat(folded.get().removedNodes()).isPositive();
        ByteBuffer written = ByteBuffer.allocate(Math.toIntExact(folded.get().size()));
        folded.get().writeTo(written);
        assertThat(written.hasRemaining()).as("size() bytes written").isFalse();
        byte[] rewritten = written.array();

        assertThat(inspect(rewritten)).isEqualTo(inspect(model));
        assertThatCode(() -> ParserRewrite.rewrite(rewritten)).as("folding the rewritten model")
                .doesNotThrowAnyException();
    }

    /** The model's inputs and outputs, or empty where it is a {@link ModelLoadException}. */
    private static Optional<OnnxModelInfo> inspect(byte[] model) {
        try {
            return Optional.of(OnnxModelInfo.parse(model, "fuzzed.onnx"));
        } catch (ModelLoadException expected) {
            return Optional.empty();
        }
    }
}
