package org.infer4j.ort.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.infer4j.Int8Calibration;
import org.infer4j.ModelLoadException;
import org.infer4j.UnsupportedPrecisionException;
import org.infer4j.ort.OrtSettings;
import org.infer4j.spi.EngineConfig;
import org.jspecify.annotations.Nullable;

/**
 * The TensorRT calibration table with which {@code ort-tensorrt} runs INT8. ONNX Runtime's TensorRT provider
 * reads a native TensorRT table ({@code trt_int8_use_native_calibration_table=1}) from its engine cache
 * directory under {@code trt_int8_calibration_table_name}, and sets each listed tensor's dynamic range from
 * it; it calibrates nothing itself. Its engine cache names engines by the model and precision only, not by
 * the table, so each table gets a directory of its own, named by a digest of its bytes, where the engines
 * built with it are cached: a new table never meets an engine built with another. Stateless.
 */
final class Int8Table {
    /** The table's name inside its directory, as given to ONNX Runtime. */
    static final String FILE_NAME = "calibration.table";
    /** The first line of every table TensorRT writes starts with this, e.g. {@code TRT-100600-EntropyCalibration2}. */
    private static final String TENSORRT_HEADER = "TRT-";

    /**
     * Where the table is staged for ONNX Runtime.
     *
     * @param directory the engine cache directory for this table, which holds it as {@link #FILE_NAME}
     * @param source the table it was copied from
     */
    record Staged(Path directory, Path source) {
    }

    private Int8Table() {
    }

    /**
     * Finds the table for {@code config} and copies it into a directory of its own under
     * {@link OrtSettings#tensorRtCacheDirectory()}: the table given in {@code settings}, else the one the
     * {@code tensorrt} backend stored for the model and calibration in {@code tensorRtCache}.
     *
     * @param config the engine's configuration, with {@code Precision.INT8}
     * @param settings the ONNX Runtime settings, with the cache directory and perhaps a table
     * @param tensorRtCache the {@code tensorrt} backend's default cache directory
     * @return the staged table
     * @throws UnsupportedPrecisionException if there is no table, the file is not a TensorRT calibration table,
     *         or the calibration names layers to keep in FP32, which the provider cannot do
     * @throws ModelLoadException if the table cannot be read or staged
     */
    static Staged stage(EngineConfig config, OrtSettings settings, Path tensorRtCache) {
        Int8Calibration calibration = config.int8Calibration().orElse(null);
        if (calibration != null && !calibration.fp32Layers().isEmpty()) {
            throw new UnsupportedPrecisionException("ort-tensorrt cannot keep layers in FP32 (" + calibration.fp32Layers()
                    + "): ONNX Runtime's TensorRT provider has no per-layer precision. Use the tensorrt backend, or leave "
                    + "keepFp32 out: a calibration of the same data and identity shares the calibration table");
        }
        Path source = source(config, settings, calibration, tensorRtCache);
        byte[] table;
        try {
            table = Files.readAllBytes(source);
        } catch (IOException e) {
            throw new ModelLoadException("ort-tensorrt cannot read the INT8 calibration table " + source + ": " + e, e);
        }
        requireTensorRtTable(table, source);
        Path directory = settings.tensorRtCacheDirectory().resolve("int8-" + digest(table).substring(0, 16));
        Path staged = directory.resolve(FILE_NAME);
        try {
            Files.createDirectories(directory);
            if (!Files.isRegularFile(staged) || Files.size(staged) != table.length) {
                // a unique temporary name, then a rename: concurrent sessions never read half a table
                Path temp = directory.resolve(".tmp-" + FILE_NAME + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
                Files.write(temp, table);
                try {
                    Files.move(temp, staged, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, staged, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException("ort-tensorrt cannot copy the INT8 calibration table into " + directory + ": " + e
                    + "; set a writable directory with OrtSettings.builder().tensorRtCacheDirectory(...)", e);
        }
        return new Staged(directory, source);
    }

    private static Path source(EngineConfig config, OrtSettings settings, @Nullable Int8Calibration calibration,
                               Path tensorRtCache) {
        Path given = settings.int8CalibrationTable().orElse(null);
        if (given != null) {
            if (!Files.isRegularFile(given)) {
                throw new UnsupportedPrecisionException("ort-tensorrt cannot run INT8: the calibration table " + given
                        + " given with OrtSettings.int8CalibrationTable does not exist");
            }
            return given;
        }
        if (calibration == null) {
            throw new UnsupportedPrecisionException("ort-tensorrt runs Precision.INT8 with a TensorRT calibration table, and "
                    + "none was given: pass the Int8Calibration with EngineBuilder.int8Calibration (after the tensorrt "
                    + "backend has calibrated on it once), or a table with OrtSettings.int8CalibrationTable. A model with "
                    + "QuantizeLinear/DequantizeLinear nodes needs no table: run it with Precision.FP16 and the option "
                    + "trt.trt_int8_enable=1");
        }
        Path stored = tensorRtCache.resolve(calibration.tableName(config.modelDigest()));
        if (!Files.isRegularFile(stored)) {
            throw new UnsupportedPrecisionException("ort-tensorrt needs the TensorRT calibration table of " + config.modelName()
                    + " for this Int8Calibration, and there is none at " + stored + ": build the model once with the tensorrt "
                    + "backend, Precision.INT8 and the same Int8Calibration (it calibrates and stores the table there), or "
                    + "give a table with OrtSettings.int8CalibrationTable");
        }
        return stored;
    }

    private static void requireTensorRtTable(byte[] table, Path source) {
        String head = new String(table, 0, Math.min(table.length, 64), StandardCharsets.US_ASCII);
        if (!head.startsWith(TENSORRT_HEADER)) {
            String firstLine = head.lines().findFirst().orElse("");
            throw new UnsupportedPrecisionException("ort-tensorrt cannot run INT8 with " + source + ": it is not a TensorRT "
                    + "calibration table (the first line is '" + firstLine + "', where TensorRT writes 'TRT-<version>-"
                    + "<algorithm>')");
        }
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
