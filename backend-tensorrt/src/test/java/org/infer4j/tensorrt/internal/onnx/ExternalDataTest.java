package org.infer4j.tensorrt.internal.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.infer4j.contract.ReferenceModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The external data files of a model, which enter the engine cache key. The model
 * ({@code external/external.onnx}, made by {@code external.py} beside it) keeps both its tensors
 * in {@code weights.bin}.
 */
class ExternalDataTest {
    @TempDir
    Path dir;

    static byte[] resource(String name) {
        try (InputStream in = ExternalDataTest.class.getResourceAsStream("external/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aModelNamesEachExternalDataFileOnceHoweverManyTensorsItHolds() {
        assertThat(ExternalData.locations(resource("external.onnx"))).containsExactly("weights.bin");
    }

    @Test
    void aModelWithItsWeightsInsideHasNoneAndNoDigest() {
        byte[] model = ReferenceModel.named("mlp_tiny").onnxBytes();

        assertThat(ExternalData.locations(model)).isEmpty();
        assertThat(ExternalData.digest(model, dir)).isEmpty();
    }

    @Test
    void bytesThatAreNoModelHaveNone() {
        assertThat(ExternalData.locations(new byte[] {(byte) 0xff, (byte) 0xff, 0x01})).isEmpty();
    }

    @Test
    void theDigestFollowsTheFilesContentsAndSaysWhenOneIsMissing() throws Exception {
        byte[] model = resource("external.onnx");
        String missing = ExternalData.digest(model, dir);
        Path weights = Files.write(dir.resolve("weights.bin"), resource("weights.bin"));
        String present = ExternalData.digest(model, dir);
        byte[] changed = resource("weights.bin");
        changed[0] ^= 1;
        Files.write(weights, changed);

        assertThat(present).isNotEmpty().isNotEqualTo(missing);
        assertThat(ExternalData.digest(model, dir)).isNotEqualTo(present);
    }
}
