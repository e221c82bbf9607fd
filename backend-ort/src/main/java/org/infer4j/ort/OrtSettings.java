package org.infer4j.ort;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.infer4j.BackendSettings;
import org.jspecify.annotations.Nullable;

/**
 * Typed settings of the ONNX Runtime backends. Immutable and thread-safe; make one with
 * {@link #builder()}. What these do not cover goes through {@code EngineBuilder.option(key, value)}:
 * {@code session.KEY} is an ONNX Runtime session config entry, {@code cuda.KEY} a CUDA provider
 * option (e.g. {@code cuda.cudnn_conv_algo_search=HEURISTIC}), {@code trt.KEY} a TensorRT provider
 * option (e.g. {@code trt.trt_builder_optimization_level=5}).
 *
 * <p>FP32 models run FP32-accurate on the CUDA provider: infer4j turns its TF32 tensor-core math off
 * (ONNX Runtime's default is on). {@code cuda.use_tf32=1} turns it back on, trading about 1e-3 of
 * relative accuracy for speed on GPUs of compute capability 8.0 and later; see
 * {@code docs/conformance.md}.
 */
public final class OrtSettings implements BackendSettings {

    /** ONNX Runtime's graph optimisation levels. */
    public enum GraphOptimization { NONE, BASIC, EXTENDED, ALL }

    private final int intraOpThreads;
    private final int interOpThreads;
    private final GraphOptimization graphOptimization;
    private final @Nullable Path tensorRtCacheDirectory;
    private final long tensorRtWorkspaceBytes;
    private final @Nullable Path int8CalibrationTable;

    private OrtSettings(Builder b) {
        this.intraOpThreads = b.intraOpThreads;
        this.interOpThreads = b.interOpThreads;
        this.graphOptimization = b.graphOptimization;
        this.tensorRtCacheDirectory = b.tensorRtCacheDirectory;
        this.tensorRtWorkspaceBytes = b.tensorRtWorkspaceBytes;
        this.int8CalibrationTable = b.int8CalibrationTable;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: ONNX Runtime's thread counts, all graph optimisations, the default cache directory. */
    public static OrtSettings defaults() {
        return builder().build();
    }

    /** Threads inside one operator; 0 means ONNX Runtime's default (one per physical core). */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** Threads across operators; 0 means ONNX Runtime's default. */
    public int interOpThreads() {
        return interOpThreads;
    }

    public GraphOptimization graphOptimization() {
        return graphOptimization;
    }

    /**
     * Where {@code ort-tensorrt} keeps its engine and timing caches; the default is
     * {@code $XDG_CACHE_HOME/infer4j/ort-tensorrt} or {@code ~/.cache/infer4j/ort-tensorrt}.
     */
    public Path tensorRtCacheDirectory() {
        if (tensorRtCacheDirectory != null) {
            return tensorRtCacheDirectory;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("infer4j").resolve("ort-tensorrt");
    }

    /** TensorRT builder workspace limit in bytes; 0 means the provider's default (the GPU's memory). */
    public long tensorRtWorkspaceBytes() {
        return tensorRtWorkspaceBytes;
    }

    /**
     * The TensorRT calibration table {@code ort-tensorrt} runs {@code Precision.INT8} with, when one was given.
     * Without it, {@code ort-tensorrt} takes the table that the {@code tensorrt} backend stored for the same
     * model and {@code Int8Calibration} in its default cache directory ({@code $XDG_CACHE_HOME/infer4j/tensorrt}
     * or {@code ~/.cache/infer4j/tensorrt}); give the file here when {@code tensorrt} used another directory
     * ({@code TensorRtEngine.calibrationTable()} says where it is).
     *
     * @return the table file, or empty
     */
    public Optional<Path> int8CalibrationTable() {
        return Optional.ofNullable(int8CalibrationTable);
    }

    @Override
    public String toString() {
        return "OrtSettings{intraOpThreads=" + intraOpThreads + ", interOpThreads=" + interOpThreads + ", graphOptimization="
                + graphOptimization + ", tensorRtCacheDirectory=" + tensorRtCacheDirectory() + ", tensorRtWorkspaceBytes="
                + tensorRtWorkspaceBytes + ", int8CalibrationTable=" + int8CalibrationTable + "}";
    }

    /** Not thread-safe. */
    public static final class Builder {
        private int intraOpThreads;
        private int interOpThreads;
        private GraphOptimization graphOptimization = GraphOptimization.ALL;
        private @Nullable Path tensorRtCacheDirectory;
        private long tensorRtWorkspaceBytes;
        private @Nullable Path int8CalibrationTable;

        private Builder() {
        }

        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = nonNegative(threads, "intraOpThreads");
            return this;
        }

        public Builder interOpThreads(int threads) {
            this.interOpThreads = nonNegative(threads, "interOpThreads");
            return this;
        }

        public Builder graphOptimization(GraphOptimization level) {
            this.graphOptimization = Objects.requireNonNull(level, "level");
            return this;
        }

        public Builder tensorRtCacheDirectory(Path directory) {
            this.tensorRtCacheDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        public Builder tensorRtWorkspaceBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("tensorRtWorkspaceBytes must be >= 0, not " + bytes);
            }
            this.tensorRtWorkspaceBytes = bytes;
            return this;
        }

        /**
         * See {@link OrtSettings#int8CalibrationTable()}.
         *
         * @param table a calibration table that TensorRT wrote (its first line starts with {@code TRT-})
         * @return this builder
         * @throws NullPointerException if {@code table} is null
         */
        public Builder int8CalibrationTable(Path table) {
            this.int8CalibrationTable = Objects.requireNonNull(table, "table");
            return this;
        }

        public OrtSettings build() {
            return new OrtSettings(this);
        }

        private static int nonNegative(int value, String name) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " must be >= 0 (0 = ONNX Runtime's default), not " + value);
            }
            return value;
        }
    }
}
