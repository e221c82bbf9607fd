package org.infer4j.tensorrt.internal.build;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.infer4j.Int8Calibration;
import org.jspecify.annotations.Nullable;

/**
 * What an INT8 build takes besides the network: the calibration and its stored table, or neither for a model
 * quantized before export (its QuantizeLinear/DequantizeLinear nodes carry the scales). Immutable.
 *
 * @param calibration the user's calibration, or null for a quantized model
 * @param tableName the calibration table's file name in the engine cache ({@link Int8Calibration#tableName}),
 *                  null without a calibration
 * @param table the stored calibration table if there is a usable one, else null (TensorRT then calibrates)
 */
public record Int8Plan(@Nullable Int8Calibration calibration, @Nullable String tableName, byte @Nullable [] table) {
    /** What the first line of a table of TensorRT's entropy calibrator 2 ends with. */
    private static final String ALGORITHM = "-EntropyCalibration2";

    /**
     * The plan for an INT8 build of a model: with the calibration and the table stored under its name, if the
     * table is one TensorRT's entropy calibrator wrote, else without a table (and the build calibrates).
     *
     * @param calibration the calibration, or null for a model quantized before export
     * @param modelDigest the model's SHA-256
     * @param cache where the table is stored
     * @return the plan
     */
    public static Int8Plan of(@Nullable Int8Calibration calibration, String modelDigest, EngineCache cache) {
        if (calibration == null) {
            return new Int8Plan(null, null, null);
        }
        String name = calibration.tableName(modelDigest);
        byte[] table = cache.loadPlain(name).filter(Int8Plan::isEntropyTable).orElse(null);
        return new Int8Plan(calibration, name, table);
    }

    /**
     * Whether {@code table} is a table of TensorRT's entropy calibrator 2: its first line is
     * {@code TRT-<version>-EntropyCalibration2}. Another TensorRT version's table is left to TensorRT to accept
     * or to recalibrate over.
     *
     * @param table a file's bytes
     * @return whether they are such a table
     */
    static boolean isEntropyTable(byte[] table) {
        String text = new String(table, StandardCharsets.US_ASCII);
        int end = text.indexOf('\n');
        String first = (end < 0 ? text : text.substring(0, end)).trim();
        return first.startsWith("TRT-") && first.endsWith(ALGORITHM);
    }

    /**
     * The layers to keep in FP32.
     *
     * @return the names, empty without a calibration
     */
    public Set<String> fp32Layers() {
        return calibration == null ? Set.of() : calibration.fp32Layers();
    }

    /**
     * The table as stored, if there is one.
     *
     * @return a copy of the table, or empty
     */
    public Optional<byte[]> storedTable() {
        return Optional.ofNullable(table).map(byte[]::clone);
    }

    /**
     * This plan with the table a calibration just wrote.
     *
     * @param written the table
     * @return the new plan
     */
    public Int8Plan withTable(byte[] written) {
        return new Int8Plan(calibration, tableName, written.clone());
    }

    /**
     * The engine cache key's quantization field: the calibration's identity and the SHA-256 of its table (or
     * that there is none yet), or that the model carries its own scales; and the layers kept in FP32.
     *
     * @return the text
     */
    public String keyText() {
        String scales = calibration == null ? "quantized model"
                : "calibration " + calibration.identity() + " table " + (table == null ? "none" : sha256(table));
        return scales + " fp32 " + fp32Layers();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
