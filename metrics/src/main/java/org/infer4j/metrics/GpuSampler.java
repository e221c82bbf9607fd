package org.infer4j.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.infer4j.metrics.internal.EventDispatcher;
import org.infer4j.metrics.internal.HistoryWindow;
import org.infer4j.metrics.internal.MetricHistory;
import org.infer4j.metrics.internal.NvmlGpuMetricsSource;
import org.infer4j.metrics.internal.ThresholdTracker;
import org.jspecify.annotations.Nullable;

/**
 * Samples GPU utilisation, memory, power, temperature, clocks and throttle reasons in the background,
 * keeps a bounded history of each, summarises any window of it, and calls listeners when a
 * {@link GpuThreshold} is breached or cleared.
 *
 * <pre>{@code
 * try (GpuSampler gpu = GpuSampler.start(Duration.ofMillis(10))) {
 *     long from = System.nanoTime();
 *     runTheBenchmark();
 *     GpuSnapshot run = gpu.snapshot(from, System.nanoTime());  // embed run.toMap() in the JSON
 * }
 * }</pre>
 *
 * <p>A daemon thread reads every selected GPU once per period (default 100 ms, at least 10 ms); a
 * read that fails is counted and skipped. Utilisation from NVML covers the time since the previous
 * sample (see {@link NvmlGpuMetricsSource}), so even a short busy run shows its real utilisation.
 * Threshold listeners run on a second daemon thread, never on the sampling one.
 *
 * <p>Without NVML (no driver, no GPU, or JavaCPP's CUDA preset not on the class path), {@link #start}
 * still returns a sampler: {@link #isAvailable()} is false, {@link #unavailableReason()} says why and
 * what to do, and its snapshots carry that reason and no devices. Nothing throws at class load.
 *
 * <p>Thread-safety: every method may be called from any thread. After {@link #close()} (idempotent)
 * every method but {@code close}, {@code isAvailable} and {@code unavailableReason} throws
 * {@link IllegalStateException}: take the last snapshot before closing.
 */
public final class GpuSampler implements AutoCloseable {
    public static final Duration DEFAULT_PERIOD = Duration.ofMillis(100);
    public static final Duration MIN_PERIOD = Duration.ofMillis(10);
    /** History kept by default: this long at the configured period. */
    public static final Duration DEFAULT_HISTORY = Duration.ofMinutes(10);

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final long periodNanos;
    private final String unavailableReason;
    private final @Nullable GpuMetricsSource source;
    private final List<GpuDevice> devices;
    private final MetricHistory[] histories;
    private final ThresholdTracker[][] trackers;
    private final GpuThresholdListener[][] listeners;
    private final GpuReading reading = new GpuReading();
    private final AtomicLong sampleErrors = new AtomicLong();
    private final long startNanos;
    private final String threadName;
    private final @Nullable ScheduledExecutorService sampling;
    private final @Nullable EventDispatcher dispatcher;
    private volatile @Nullable String lastError;
    private volatile boolean closed;

    private GpuSampler(Builder builder, @Nullable GpuMetricsSource source, String unavailableReason) {
        this.periodNanos = builder.period.toNanos();
        this.unavailableReason = unavailableReason;
        this.source = source;
        this.threadName = "infer4j-gpu-sampler-" + INSTANCES.incrementAndGet();
        this.devices = source == null ? List.of() : List.copyOf(source.devices());
        int capacity = builder.historySize > 0 ? builder.historySize
                : (int) Math.min(Integer.MAX_VALUE - 8, DEFAULT_HISTORY.toNanos() / periodNanos);
        this.histories = new MetricHistory[devices.size()];
        this.trackers = new ThresholdTracker[devices.size()][];
        this.listeners = new GpuThresholdListener[devices.size()][];
        for (int d = 0; d < devices.size(); d++) {
            histories[d] = new MetricHistory(capacity);
            trackers[d] = new ThresholdTracker[builder.thresholds.size()];
            listeners[d] = new GpuThresholdListener[builder.thresholds.size()];
            for (int t = 0; t < builder.thresholds.size(); t++) {
                trackers[d][t] = new ThresholdTracker(builder.thresholds.get(t), devices.get(d));
                listeners[d][t] = builder.listeners.get(t);
            }
        }
        this.startNanos = System.nanoTime();
        if (source == null) {
            this.dispatcher = null;
            this.sampling = null;
        } else {
            this.dispatcher = builder.thresholds.isEmpty() ? null : new EventDispatcher(threadName + "-events");
            this.sampling = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, threadName);
                thread.setDaemon(true);
                return thread;
            });
            sampling.scheduleAtFixedRate(this::sampleAll, 0, periodNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Samples every GPU NVML sees, every {@link #DEFAULT_PERIOD}. */
    public static GpuSampler start() {
        return builder().start();
    }

    /** Samples every GPU NVML sees, every {@code period} (at least {@link #MIN_PERIOD}). */
    public static GpuSampler start(Duration period) {
        return builder().period(period).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether GPUs are being sampled. */
    public boolean isAvailable() {
        return source != null;
    }

    /** Why no GPU can be sampled and what to do about it; empty when available. */
    public String unavailableReason() {
        return unavailableReason;
    }

    public Duration period() {
        ensureOpen();
        return Duration.ofNanos(periodNanos);
    }

    /** The GPUs sampled; empty when unavailable. */
    public List<GpuDevice> devices() {
        ensureOpen();
        return devices;
    }

    /** Samples taken of GPU {@code deviceIndex} so far, including those the history no longer holds. */
    public long sampleCount(int deviceIndex) {
        ensureOpen();
        return histories[position(deviceIndex)].appended();
    }

    /** The latest value of {@code metric} on GPU {@code deviceIndex}; NaN if none yet or not reported. */
    public double latest(int deviceIndex, GpuMetric metric) {
        ensureOpen();
        return histories[position(deviceIndex)].latest(metric);
    }

    /** Min, mean, max and p95 of {@code metric} on GPU {@code deviceIndex} over {@code [fromNanos, toNanos]}. */
    public GpuMetricSummary summary(int deviceIndex, GpuMetric metric, long fromNanos, long toNanos) {
        ensureOpen();
        return histories[position(deviceIndex)].window(fromNanos, toNanos).summary(metric);
    }

    /** Everything still in the history, from the sampler's start to now. */
    public GpuSnapshot snapshot() {
        return snapshot(startNanos, System.nanoTime());
    }

    /**
     * The samples taken in {@code [fromNanos, toNanos]} ({@link System#nanoTime()}), as far as the
     * bounded history still holds them.
     */
    public GpuSnapshot snapshot(long fromNanos, long toNanos) {
        ensureOpen();
        if (toNanos < fromNanos) {
            throw new IllegalArgumentException("the window ends (" + toNanos + ") before it starts (" + fromNanos
                    + "); pass System.nanoTime() values, the earlier one first");
        }
        List<GpuSnapshot.Device> deviceSnapshots = new ArrayList<>();
        for (int d = 0; d < devices.size(); d++) {
            HistoryWindow window = histories[d].window(fromNanos, toNanos);
            deviceSnapshots.add(new GpuSnapshot.Device(devices.get(d), window.timestamps(), window.values()));
        }
        return new GpuSnapshot(isAvailable(), unavailableReason, periodNanos, fromNanos, toNanos,
                sampleErrors.get(), droppedThresholdEvents(), deviceSnapshots);
    }

    /** Reads that failed so far (one per device and period). */
    public long sampleErrors() {
        ensureOpen();
        return sampleErrors.get();
    }

    /** The message of the latest failed read, if any. */
    public @Nullable String lastError() {
        ensureOpen();
        return lastError;
    }

    /** Threshold events lost because listeners fell behind. */
    public long droppedThresholdEvents() {
        return dispatcher == null ? 0 : dispatcher.dropped();
    }

    /**
     * Stops sampling (waiting up to a second for a sample in progress), stops delivering threshold events
     * (those not yet delivered are dropped), and closes the source. Idempotent. A source stuck in a read
     * for over a second is left open rather than closed under the sampling thread.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (sampling != null) {
                sampling.shutdownNow();
                if (!awaitTermination(sampling)) {
                    lastError = "the sampling thread did not stop within a second; its source is left open";
                    return;
                }
            }
        } finally {
            if (dispatcher != null) {
                dispatcher.close();
            }
        }
        if (source != null) {
            source.close();
        }
    }

    String threadName() {
        return threadName;
    }

    private static boolean awaitTermination(ScheduledExecutorService executor) {
        try {
            return executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void sampleAll() {
        GpuMetricsSource from = Objects.requireNonNull(source);
        for (int d = 0; d < devices.size(); d++) {
            long now = System.nanoTime();
            reading.clear();
            try {
                from.read(devices.get(d).index(), reading);
            } catch (RuntimeException | LinkageError e) {
                // a LinkageError (a native symbol missing from this driver's NVML) would otherwise end the
                // scheduled task silently: count it like any failed read and keep sampling
                sampleErrors.incrementAndGet();
                lastError = "GPU " + devices.get(d).index() + ": " + e;
                continue;
            }
            if (Double.isNaN(reading.get(GpuMetric.MEMORY_USED_PERCENT)) && reading.get(GpuMetric.MEMORY_TOTAL) > 0) {
                reading.set(GpuMetric.MEMORY_USED_PERCENT,
                        100 * reading.get(GpuMetric.MEMORY_USED) / reading.get(GpuMetric.MEMORY_TOTAL));
            }
            histories[d].append(now, reading);
            for (int t = 0; t < trackers[d].length; t++) {
                ThresholdTracker tracker = trackers[d][t];
                GpuThresholdEvent event = tracker.onSample(reading.get(tracker.threshold().metric()), now);
                if (event != null) {
                    Objects.requireNonNull(dispatcher).offer(listeners[d][t], event);
                }
            }
        }
    }

    private int position(int deviceIndex) {
        for (int d = 0; d < devices.size(); d++) {
            if (devices.get(d).index() == deviceIndex) {
                return d;
            }
        }
        throw new IllegalArgumentException("GPU " + deviceIndex + " is not sampled; sampled: "
                + (devices.isEmpty() ? "none (" + unavailableReason + ")" : devices.toString()));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this GpuSampler is closed; take snapshots before closing it");
        }
    }

    /**
     * Configures a {@link GpuSampler}. Thread-safety: not thread-safe; use from one thread, then
     * {@link #start()}.
     */
    public static final class Builder {
        private Duration period = DEFAULT_PERIOD;
        private int[] deviceIndices = {};
        private int historySize;
        private @Nullable GpuMetricsSource source;
        private final List<GpuThreshold> thresholds = new ArrayList<>();
        private final List<GpuThresholdListener> listeners = new ArrayList<>();

        private Builder() {}

        /** Time between two samples; at least {@link #MIN_PERIOD}, default {@link #DEFAULT_PERIOD}. */
        public Builder period(Duration period) {
            Objects.requireNonNull(period, "period");
            if (period.compareTo(MIN_PERIOD) < 0) {
                throw new IllegalArgumentException("the sampling period must be at least " + MIN_PERIOD.toMillis()
                        + " ms (NVML reads take ~0.1-1 ms per GPU), got " + period);
            }
            this.period = period;
            return this;
        }

        /** The GPUs to sample, by NVML index; all of them if not called. */
        public Builder devices(int... indices) {
            for (int index : indices) {
                if (index < 0) {
                    throw new IllegalArgumentException("GPU indices are >= 0, got " + index);
                }
            }
            this.deviceIndices = indices.clone();
            return this;
        }

        /** Samples kept per GPU; by default {@link #DEFAULT_HISTORY} at the period. */
        public Builder historySize(int samples) {
            if (samples < 1) {
                throw new IllegalArgumentException("history size must be at least 1 sample, got " + samples);
            }
            this.historySize = samples;
            return this;
        }

        /**
         * Reads from {@code source} instead of NVML; the sampler takes ownership and closes it.
         * {@link #devices} is ignored: every device of the source is sampled.
         */
        public Builder source(GpuMetricsSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** Calls {@code listener} when {@code threshold} is breached or cleared on any sampled GPU. */
        public Builder threshold(GpuThreshold threshold, GpuThresholdListener listener) {
            thresholds.add(Objects.requireNonNull(threshold, "threshold"));
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Starts sampling; never throws for a missing GPU or NVML (see {@link GpuSampler}). */
        public GpuSampler start() {
            if (source != null) {
                return new GpuSampler(this, source, "");
            }
            try {
                return new GpuSampler(this, NvmlGpuMetricsSource.open(deviceIndices), "");
            } catch (NoClassDefFoundError e) {
                return new GpuSampler(this, null, "JavaCPP's CUDA preset is not on the class path (" + e.getMessage()
                        + "); add org.bytedeco:cuda:12.6-9.5-1.5.11 and org.bytedeco:javacpp:1.5.11, each with its "
                        + "linux-x86_64 classifier jar, to sample GPUs");
            } catch (LinkageError e) {
                return new GpuSampler(this, null, "NVML could not be loaded (" + rootMessage(e)
                        + "); GPU sampling needs an NVIDIA GPU with its driver (libcuda.so.1, libnvidia-ml.so.1; check "
                        + "nvidia-smi) and the CUDA 12 runtime libcudart.so.12, which JavaCPP loads before NVML, on "
                        + "the library path");
            } catch (RuntimeException e) {
                return new GpuSampler(this, null, "NVML cannot sample: " + e.getMessage());
            }
        }

        private static String rootMessage(Throwable e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
        }
    }
}
