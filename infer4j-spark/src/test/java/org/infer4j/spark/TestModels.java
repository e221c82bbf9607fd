package org.infer4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** The repository's tiny models, as files (the transformer takes a path), and seeded row data. */
public final class TestModels {
    /** FLOAT32 {@code input [batch, 16]} to FLOAT32 {@code output [batch, ?]}. */
    public static final Path MLP = find("models/mlp_tiny.onnx");
    /**
     * FLOAT32 {@code x [batch, n]} and INT64 {@code idx [batch, k]} to {@code gathered [batch, k]},
     * {@code cumsum [batch, n]}, INT64 {@code argmax [batch]} and {@code leaky [batch, n]}.
     */
    public static final Path INDEX_OPS = find("models/zoo/tiny/index_ops.onnx");
    /** FLOAT16 {@code input [batch, 32]} to FLOAT16 {@code output [batch, 16]}. */
    public static final Path FP16_MLP = find("models/zoo/tiny/fp16_mlp.onnx");

    private TestModels() {
    }

    private static Path find(String relative) {
        // tests run in the module's directory; the models live at the repository's root
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    /** {@code rows} rows of {@code width} seeded values in [-1, 1). */
    public static float[][] rows(int rows, int width, long seed) {
        Random random = new Random(seed);
        float[][] values = new float[rows][width];
        for (float[] row : values) {
            for (int j = 0; j < width; j++) {
                row[j] = random.nextFloat() * 2 - 1;
            }
        }
        return values;
    }
}
