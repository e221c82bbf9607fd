package org.infer4j.tensorrt;

import java.nio.file.Path;
import java.util.Objects;
import org.infer4j.BackendSettings;
import org.jspecify.annotations.Nullable;

/**
 * Typed settings of the {@code tensorrt} backend, passed with {@code EngineBuilder.settings(...)}.
 * Immutable and thread-safe; make one with {@link #builder()}.
 *
 * <p>The build settings ({@link #workspaceBytes()}, {@link #optimizationLevel()},
 * {@link #tf32()}, with the builder's precision and shape ranges) are part of the engine-cache
 * key: changing one builds a new engine. The others only affect how engines are run or cached.
 */
public final class TensorRtSettings implements BackendSettings {
    /** TensorRT's own default builder optimisation level. */
    public static final int DEFAULT_OPTIMIZATION_LEVEL = 3;
    /** Graphs kept per execution context by default. */
    public static final int DEFAULT_GRAPH_CACHE_CAPACITY = 8;
    /** Host tensors of up to this many bytes are read and written in place by default, not copied. */
    public static final long DEFAULT_ZERO_COPY_LIMIT = 0;

    private final long workspaceBytes;
    private final int optimizationLevel;
    private final boolean tf32;
    private final @Nullable Path cacheDirectory;
    private final boolean engineCache;
    private final boolean timingCache;
    private final int contextPoolSize;
    private final @Nullable BuildListener buildListener;
    private final int graphCacheCapacity;
    private final boolean blockingSync;
    private final long zeroCopyLimit;

    private TensorRtSettings(Builder b) {
        this.graphCacheCapacity = b.graphCacheCapacity;
        this.zeroCopyLimit = b.zeroCopyLimit;
        this.blockingSync = b.blockingSync;
        this.workspaceBytes = b.workspaceBytes;
        this.optimizationLevel = b.optimizationLevel;
        this.tf32 = b.tf32;
        this.cacheDirectory = b.cacheDirectory;
        this.engineCache = b.engineCache;
        this.timingCache = b.timingCache;
        this.contextPoolSize = b.contextPoolSize;
        this.buildListener = b.buildListener;
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.workspaceBytes = workspaceBytes;
        b.optimizationLevel = optimizationLevel;
        b.tf32 = tf32;
        b.cacheDirectory = cacheDirectory;
        b.engineCache = engineCache;
        b.timingCache = timingCache;
        b.contextPoolSize = contextPoolSize;
        b.buildListener = buildListener;
        b.graphCacheCapacity = graphCacheCapacity;
        b.blockingSync = blockingSync;
        b.zeroCopyLimit = zeroCopyLimit;
        return b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: TensorRT's workspace and optimisation level, TF32 on, caches on, 2 contexts. */
    public static TensorRtSettings defaults() {
        return builder().build();
    }

    /** Builder workspace limit in bytes; 0 leaves TensorRT's default (the device's memory). */
    public long workspaceBytes() {
        return workspaceBytes;
    }

    /** Builder optimisation level 0..5: higher searches longer for faster kernels. */
    public int optimizationLevel() {
        return optimizationLevel;
    }

    /**
     * Whether FP32 layers may run on TF32 tensor cores (off by default). TF32 keeps 10 of float32's
     * 23 mantissa bits in matrix products and convolutions, so FP32 results then differ from
     * PyTorch's by about 1e-3 of their scale instead of 1e-6; it is faster on GPUs of compute
     * capability 8.0 and later. TensorRT enables it unless told otherwise; infer4j makes it an
     * explicit choice, so that {@code Precision.FP32} means FP32-accurate results. See
     * {@code docs/conformance.md} for what it costs in accuracy and buys in speed.
     */
    public boolean tf32() {
        return tf32;
    }

    /**
     * Where serialised engines and timing caches are kept; the default is
     * {@code $XDG_CACHE_HOME/infer4j/tensorrt} or {@code ~/.cache/infer4j/tensorrt}.
     */
    public Path cacheDirectory() {
        if (cacheDirectory != null) {
            return cacheDirectory;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("infer4j").resolve("tensorrt");
    }

    /** Whether built engines are saved and reused from {@link #cacheDirectory()}. */
    public boolean engineCache() {
        return engineCache;
    }

    /** Whether TensorRT's kernel timing cache is loaded and saved beside the engines (speeds up rebuilds). */
    public boolean timingCache() {
        return timingCache;
    }

    /** How many execution contexts serve concurrent {@code run} calls; each has its own stream and buffers. */
    public int contextPoolSize() {
        return contextPoolSize;
    }

    /**
     * With {@code EngineBuilder.cudaGraphs(true)}: the most CUDA graphs each execution context
     * keeps, one per input-shape signature, least recently used evicted first (default
     * {@value #DEFAULT_GRAPH_CACHE_CAPACITY}).
     */
    public int graphCacheCapacity() {
        return graphCacheCapacity;
    }

    /**
     * The largest host tensor, in bytes, that the engine reads or writes where it lies instead of
     * through a copy (default {@value #DEFAULT_ZERO_COPY_LIMIT}: every host tensor is copied).
     * Such an input or output is bound to page-locked host memory (the caller's, if it is a
     * page-locked tensor the call may use in place, or the context's staging), and TensorRT's
     * kernels reach it over PCIe (CUDA maps all page-locked memory into the GPU's address space
     * under unified addressing, which every 64-bit Linux device has): no copy to or from the GPU,
     * at the price of the first and last layers reading and writing across the bus. With and
     * without graphs; device-resident tensors are never copied anyway. Whether it pays depends on
     * the plan and must be measured per model: it can make a small model faster or markedly slower
     * (docs/performance.md, "zero-copy host tensors"). A limit below a model's input sizes and above
     * its output sizes leaves the inputs copied and writes only the outputs in place.
     */
    public long zeroCopyLimit() {
        return zeroCopyLimit;
    }

    /**
     * How a call waits for the GPU. {@code false} (default): it polls ({@code cudaStreamSynchronize}
     * under CUDA's default scheduling, which spins while the process has cores to spare), the lowest
     * latency for one caller. {@code true}: it sleeps on a blocking-sync CUDA event until the GPU
     * signals, leaving its core to other threads at the cost of a wake-up per call (tens of
     * microseconds), what trtexec does unless given {@code --useSpinWait}. For several threads
     * sharing one engine, CUDA graphs help where blocking sync does not. Also the option
     * {@code blockingSync=true|false}.
     */
    public boolean blockingSync() {
        return blockingSync;
    }

    /** Who hears about long builds besides the SLF4J log, if anyone. */
    public @Nullable BuildListener buildListener() {
        return buildListener;
    }

    @Override
    public String toString() {
        return "TensorRtSettings{workspaceBytes=" + workspaceBytes + ", optimizationLevel=" + optimizationLevel + ", tf32="
                + tf32 + ", cacheDirectory=" + cacheDirectory() + ", engineCache=" + engineCache + ", timingCache="
                + timingCache + ", contextPoolSize=" + contextPoolSize + ", graphCacheCapacity=" + graphCacheCapacity
                + ", zeroCopyLimit=" + zeroCopyLimit + ", blockingSync=" + blockingSync + "}";
    }

    /** Not thread-safe. */
    public static final class Builder {
        private long workspaceBytes;
        private int optimizationLevel = DEFAULT_OPTIMIZATION_LEVEL;
        private boolean tf32;
        private @Nullable Path cacheDirectory;
        private boolean engineCache = true;
        private boolean timingCache = true;
        private int contextPoolSize = 2;
        private @Nullable BuildListener buildListener;
        private int graphCacheCapacity = DEFAULT_GRAPH_CACHE_CAPACITY;
        private boolean blockingSync;
        private long zeroCopyLimit = DEFAULT_ZERO_COPY_LIMIT;

        private Builder() {
        }

        public Builder workspaceBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("workspaceBytes must be >= 0 (0 = TensorRT's default), not " + bytes);
            }
            this.workspaceBytes = bytes;
            return this;
        }

        public Builder optimizationLevel(int level) {
            if (level < 0 || level > 5) {
                throw new IllegalArgumentException("TensorRT's builder optimisation level is 0..5, not " + level);
            }
            this.optimizationLevel = level;
            return this;
        }

        public Builder tf32(boolean enabled) {
            this.tf32 = enabled;
            return this;
        }

        public Builder cacheDirectory(Path directory) {
            this.cacheDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        public Builder engineCache(boolean enabled) {
            this.engineCache = enabled;
            return this;
        }

        public Builder timingCache(boolean enabled) {
            this.timingCache = enabled;
            return this;
        }

        public Builder contextPoolSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("contextPoolSize must be >= 1, not " + size);
            }
            this.contextPoolSize = size;
            return this;
        }

        /** See {@link TensorRtSettings#zeroCopyLimit()}; 0 copies every host tensor, {@link Long#MAX_VALUE} none. */
        public Builder zeroCopyLimit(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("zeroCopyLimit must be >= 0 bytes (0: copy every host tensor), not " + bytes);
            }
            this.zeroCopyLimit = bytes;
            return this;
        }

        /** See {@link TensorRtSettings#blockingSync()}. */
        public Builder blockingSync(boolean enabled) {
            this.blockingSync = enabled;
            return this;
        }

        /** See {@link TensorRtSettings#graphCacheCapacity()}. */
        public Builder graphCacheCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("graphCacheCapacity must be >= 1 (graphs kept per execution context), not "
                        + capacity);
            }
            this.graphCacheCapacity = capacity;
            return this;
        }

        public Builder buildListener(BuildListener listener) {
            this.buildListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public TensorRtSettings build() {
            return new TensorRtSettings(this);
        }
    }
}
