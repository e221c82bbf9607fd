package org.infer4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How {@link EngineBuilder} chooses a backend by measurement, given with
 * {@link EngineBuilder#autoSelection(AutoSelection)} (or {@code backend("auto")} for the defaults).
 *
 * <p>For the model, precision and shape ranges the builder was given, it builds each available
 * candidate backend in turn, runs it on the same inputs (the ones given here, or generated), drops
 * any whose outputs differ from the {@linkplain #reference() reference backend}'s by more than the
 * {@linkplain #tolerance(Precision) tolerance}, times the rest (warm-up runs, then timed runs) and
 * takes the best by the {@linkplain #metric() metric}. The decision is kept in a file under
 * {@link #cacheDirectory()}, keyed by everything that could change it (the model's digest, the GPUs
 * and driver, the versions of infer4j and every candidate, the shapes, precision, settings and these
 * options), so a later start with the same key builds the chosen backend without measuring.
 * {@code docs/auto-selection.md} describes the measurement and the cache.
 *
 * <p>Generated inputs take each input's shape from its {@link EngineBuilder#shapeRange shape range}'s
 * optimal shape, or from the model with unknown dimensions set to 1; floating-point inputs hold
 * seeded random values in [-1, 1), integer inputs 1 (a valid token id, mask value or index for most
 * models) and boolean inputs true. Give {@link Builder#inputs(Map) inputs} where the model needs
 * particular values.
 *
 * <p>Immutable and thread-safe.
 */
public final class AutoSelection {
    /** The backend name that asks for a choice by measurement: {@code backend("auto")}, or {@code -Dinfer4j.backend=auto}. */
    public static final String BACKEND_NAME = "auto";
    /**
     * The default tolerance at FP32, as a fraction of each output's scale (its largest magnitude,
     * at least 1): the bound the conformance suite holds FP32 backends to against PyTorch. It leaves
     * a tenfold margin over what reordered FP32 sums cost and still tells TF32 (unit roundoff
     * 4.9e-4) apart from FP32 ({@code docs/conformance.md}).
     */
    public static final double FP32_TOLERANCE = 1e-4;
    /** The default tolerance at FP16, as a fraction of each output's scale: what rounding every activation to half precision legitimately costs. */
    public static final double FP16_TOLERANCE = 2e-2;

    /** What "fastest" means. */
    public enum Metric {
        /** The lowest median time of one {@code run} call. */
        P50_LATENCY,
        /** The most {@code run} calls completed per second by {@link #concurrency()} callers at once. */
        THROUGHPUT
    }

    private final Metric metric;
    private final Duration budget;
    private final int warmupRuns;
    private final int timedRuns;
    private final int concurrency;
    private final String reference;
    private final @Nullable Double tolerance;
    private final List<String> candidates;
    private final Map<String, HostCopy> inputs;
    private final @Nullable Path cacheDirectory;
    private final boolean cache;

    /** A host copy of one given input: its type, shape and bytes in native order, as a host tensor holds them. */
    private record HostCopy(ElementType type, Shape shape, byte[] bytes) {
    }

    private AutoSelection(Builder b) {
        this.metric = b.metric;
        this.budget = b.budget;
        this.warmupRuns = b.warmupRuns;
        this.timedRuns = b.timedRuns;
        this.concurrency = b.concurrency;
        this.reference = b.reference;
        this.tolerance = b.tolerance;
        this.candidates = List.copyOf(b.candidates);
        this.inputs = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(b.inputs));
        this.cacheDirectory = b.cacheDirectory;
        this.cache = b.cache;
    }

    /** @return the defaults: p50 latency, a 5-minute budget, 20 warm-up and 100 timed runs, one caller, {@code ort-cpu} as reference, the cache on */
    public static AutoSelection defaults() {
        return builder().build();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding these options */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.metric = metric;
        b.budget = budget;
        b.warmupRuns = warmupRuns;
        b.timedRuns = timedRuns;
        b.concurrency = concurrency;
        b.reference = reference;
        b.tolerance = tolerance;
        b.candidates = candidates;
        b.inputs.putAll(inputs);
        b.cacheDirectory = cacheDirectory;
        b.cache = cache;
        return b;
    }

    /** @return what "fastest" means */
    public Metric metric() {
        return metric;
    }

    /**
     * @return the time the whole measurement may take, builds included; a candidate not started
     *         when it is spent is not measured, and one being timed stops early
     */
    public Duration budget() {
        return budget;
    }

    /** @return untimed runs of each candidate before its timed ones, after the run that checks its outputs */
    public int warmupRuns() {
        return warmupRuns;
    }

    /** @return timed runs of each candidate, shared among the callers */
    public int timedRuns() {
        return timedRuns;
    }

    /** @return how many threads call {@code run} at once while a candidate is timed */
    public int concurrency() {
        return concurrency;
    }

    /** @return the backend whose outputs, at FP32, the candidates' must match */
    public String reference() {
        return reference;
    }

    /**
     * The largest difference a candidate's floating-point output may have from the reference's, as
     * a fraction of that output's scale (its largest magnitude, at least 1); integer and boolean
     * outputs must be equal.
     *
     * @param precision the precision the engine is built for
     * @return the tolerance given, else {@link #FP32_TOLERANCE} or {@link #FP16_TOLERANCE}
     */
    public double tolerance(Precision precision) {
        if (tolerance != null) {
            return tolerance;
        }
        return precision == Precision.FP16 ? FP16_TOLERANCE : FP32_TOLERANCE;
    }

    /** @return the backends to consider, in the order given; empty means every available one */
    public List<String> candidates() {
        return candidates;
    }

    /**
     * New host tensors holding the inputs given to measure with; the caller closes them.
     *
     * @return one tensor per given input, by name; empty when inputs are generated
     */
    public Map<String, Tensor> newInputs() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        inputs.forEach((name, copy) -> out.put(name, Tensor.copyOf(copy.type(), ByteBuffer.wrap(copy.bytes()).order(ByteOrder.nativeOrder()),
                copy.shape().toArray())));
        return out;
    }

    /**
     * @return where decisions are kept: the directory given, else {@code $XDG_CACHE_HOME/infer4j/auto}
     *         or {@code ~/.cache/infer4j/auto}
     */
    public Path cacheDirectory() {
        if (cacheDirectory != null) {
            return cacheDirectory;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("infer4j").resolve("auto");
    }

    /** @return whether decisions are read from and written to {@link #cacheDirectory()} */
    public boolean cache() {
        return cache;
    }

    /**
     * Every option that can change the decision, as text, for the decision cache's key; the cache
     * directory, the cache switch and the budget are left out (see {@code docs/auto-selection.md}).
     *
     * @return one {@code key=value} line per option
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("metric=").append(metric).append('\n');
        sb.append("warmupRuns=").append(warmupRuns).append('\n');
        sb.append("timedRuns=").append(timedRuns).append('\n');
        sb.append("concurrency=").append(concurrency).append('\n');
        sb.append("reference=").append(reference).append('\n');
        sb.append("tolerance=").append(tolerance == null ? "default" : tolerance.toString()).append('\n');
        sb.append("candidates=").append(candidates.isEmpty() ? "all" : String.join(",", candidates)).append('\n');
        inputs.forEach((name, copy) -> sb.append("input.").append(name).append('=').append(copy.type()).append(copy.shape())
                .append(" sha256:").append(sha256(copy.bytes())).append('\n'));
        return sb.toString();
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "AutoSelection{" + describe().strip().replace('\n', ',') + ",budget=" + budget + ",cache=" + (cache
                ? cacheDirectory() : "off") + "}";
    }

    /** Builds {@link AutoSelection}s; not thread-safe. */
    public static final class Builder {
        private Metric metric = Metric.P50_LATENCY;
        private Duration budget = Duration.ofMinutes(5);
        private int warmupRuns = 20;
        private int timedRuns = 100;
        private int concurrency = 1;
        private String reference = "ort-cpu";
        private @Nullable Double tolerance;
        private List<String> candidates = List.of();
        private final Map<String, HostCopy> inputs = new LinkedHashMap<>();
        private @Nullable Path cacheDirectory;
        private boolean cache = true;

        private Builder() {
        }

        /**
         * @param metric what "fastest" means (default {@link Metric#P50_LATENCY})
         * @return this builder
         */
        public Builder metric(Metric metric) {
            this.metric = Objects.requireNonNull(metric, "metric");
            return this;
        }

        /**
         * @param budget the time the whole measurement may take, builds included (default 5 minutes:
         *               a first TensorRT build of a large model takes minutes)
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder budget(Duration budget) {
            Objects.requireNonNull(budget, "budget");
            if (budget.isNegative() || budget.isZero()) {
                throw new IllegalArgumentException("the budget must be positive, not " + budget);
            }
            this.budget = budget;
            return this;
        }

        /**
         * @param warmupRuns untimed runs of each candidate before it is timed (default 20)
         * @param timedRuns timed runs of each candidate (default 100)
         * @return this builder
         * @throws IllegalArgumentException if {@code warmupRuns} is negative or {@code timedRuns} below 1
         */
        public Builder runs(int warmupRuns, int timedRuns) {
            if (warmupRuns < 0 || timedRuns < 1) {
                throw new IllegalArgumentException("give warmupRuns >= 0 and timedRuns >= 1, not " + warmupRuns + " and "
                        + timedRuns);
            }
            this.warmupRuns = warmupRuns;
            this.timedRuns = timedRuns;
            return this;
        }

        /**
         * @param threads how many threads call {@code run} at once while a candidate is timed (default 1);
         *                more measure a backend under the load of concurrent callers
         * @return this builder
         * @throws IllegalArgumentException if below 1
         */
        public Builder concurrency(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, not " + threads);
            }
            this.concurrency = threads;
            return this;
        }

        /**
         * @param backend the backend whose outputs the candidates' must match (default {@code ort-cpu});
         *                it is built at FP32 whatever the precision
         * @return this builder
         */
        public Builder reference(String backend) {
            this.reference = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * @param fraction the largest difference allowed, as a fraction of an output's scale, replacing
         *                 the per-precision default ({@link AutoSelection#tolerance(Precision)})
         * @return this builder
         * @throws IllegalArgumentException if negative or not a number
         */
        public Builder tolerance(double fraction) {
            if (!(fraction >= 0) || Double.isInfinite(fraction)) {
                throw new IllegalArgumentException("the tolerance must be a finite number >= 0, not " + fraction);
            }
            this.tolerance = fraction;
            return this;
        }

        /**
         * @param backends the backends to consider (default: every available one); unknown or
         *                 unavailable ones are listed in the decision with the reason
         * @return this builder
         * @throws IllegalArgumentException if none is given
         */
        public Builder candidates(String... backends) {
            if (backends.length == 0) {
                throw new IllegalArgumentException("name at least one candidate backend");
            }
            this.candidates = List.of(backends);
            return this;
        }

        /**
         * The inputs to measure with, copied now; replaces generated ones. Give every input of the model.
         *
         * @param inputs host tensors by input name
         * @return this builder
         * @throws IllegalStateException if a tensor is closed or lives in GPU memory
         */
        public Builder inputs(Map<String, ? extends Tensor> inputs) {
            Objects.requireNonNull(inputs, "inputs");
            this.inputs.clear();
            inputs.forEach((name, t) -> {
                ByteBuffer b = t.buffer().duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                this.inputs.put(Objects.requireNonNull(name, "input name"), new HostCopy(t.elementType(), t.shape(), bytes));
            });
            return this;
        }

        /**
         * @param directory where decisions are kept (default {@code $XDG_CACHE_HOME/infer4j/auto} or
         *                  {@code ~/.cache/infer4j/auto})
         * @return this builder
         */
        public Builder cacheDirectory(Path directory) {
            this.cacheDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * @param enabled whether decisions are read from and written to the cache (default true); off,
         *                every build measures
         * @return this builder
         */
        public Builder cache(boolean enabled) {
            this.cache = enabled;
            return this;
        }

        /** @return the options */
        public AutoSelection build() {
            return new AutoSelection(this);
        }
    }
}
