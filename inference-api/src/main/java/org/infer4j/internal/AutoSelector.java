package org.infer4j.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.infer4j.AutoSelection;
import org.infer4j.Availability;
import org.infer4j.BackendStatus;
import org.infer4j.BackendUnavailableException;
import org.infer4j.Backends;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Selection;
import org.infer4j.Selection.Candidate;
import org.infer4j.Selection.Outcome;
import org.infer4j.SelectionFailedException;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a backend by measurement as {@link AutoSelection} describes, or recalls the choice from
 * the {@link DecisionCache}. At most two engines are open at once: the best so far and the one
 * being measured. Stateless; each call is independent.
 */
public final class AutoSelector {
    private static final Logger log = LoggerFactory.getLogger(AutoSelection.class);
    private static final long INPUT_SEED = 42;
    /** Ends the note of a candidate whose timed runs the budget cut short. */
    private static final String CUT_SHORT = ": the time budget ran out";

    /**
     * The decision and, when asked to keep it, the chosen backend's engine, which the caller owns.
     *
     * @param selection the decision with its table
     * @param engine the chosen backend's engine, or null when the caller did not ask for it
     */
    public record Result(Selection selection, @Nullable InferenceEngine engine) {
    }

    /** A candidate backend as discovery found it. */
    private record Contender(String name, @Nullable BackendProvider provider, Availability availability) {
    }

    private final Backends registry;
    private final EngineConfig config;
    private final AutoSelection options;
    private final List<Contender> contenders;
    private final DecisionCache cache;

    private AutoSelector(Backends registry, EngineConfig config, AutoSelection options) {
        this.registry = registry;
        this.config = config;
        this.options = options;
        this.contenders = contenders(registry, options);
        this.cache = new DecisionCache(options.cacheDirectory(), log::warn);
    }

    /**
     * Chooses the backend for {@code config}'s model among {@code registry}'s, by measurement or
     * from the cache, and logs the table at INFO.
     *
     * @param keepEngine whether to return the chosen backend's engine open; otherwise every engine is closed
     * @return the decision, with the engine if asked
     * @throws SelectionFailedException if no candidate qualified; it names each with its reason
     * @throws BackendUnavailableException if the reference backend is unknown or cannot run here
     * @throws InvalidInputException if the inputs given to measure with do not fit the model
     */
    public static Result choose(Backends registry, EngineConfig config, AutoSelection options, boolean keepEngine) {
        long start = System.nanoTime(); // the decision's cost includes asking every backend whether it can run
        return new AutoSelector(registry, config, options).choose(start, keepEngine);
    }

    private static List<Contender> contenders(Backends registry, AutoSelection options) {
        List<Contender> found = new ArrayList<>();
        if (options.candidates().isEmpty()) {
            for (BackendStatus s : registry.statuses()) {
                if (s.loaded()) {
                    found.add(new Contender(s.name(), registry.find(s.name()).orElse(null), s.availability()));
                }
            }
        } else {
            for (String name : options.candidates()) {
                Optional<BackendProvider> p = registry.find(name);
                found.add(new Contender(name, p.orElse(null), p.isEmpty()
                        ? Availability.unavailable("no backend named '" + name + "'; found " + registry.names(),
                                "add the backend's jar to the class path, or leave it out of AutoSelection.candidates")
                        : registry.statuses().stream().filter(s -> s.name().equals(name)).findFirst()
                                .map(BackendStatus::availability).orElseThrow()));
            }
        }
        return found;
    }

    private Result choose(long start, boolean keepEngine) {
        DecisionKey key = DecisionKey.of(config, options, contenders.stream()
                .map(c -> c.name() + " " + (c.provider() == null ? "-" : c.provider().getClass().getName() + " "
                        + DecisionKey.versionOf(c.provider().getClass()) + " | " + safeDescription(c.provider())) + " | "
                        + c.availability()).toList());
        if (!options.cache()) {
            return measure(start, keepEngine, null);
        }
        DecisionCache.Held held = cache.lock(key);
        try {
            Optional<DecisionCache.Cached> cached = cache.read(key);
            if (cached.isPresent()) {
                Result recalled = recall(cached.get(), keepEngine, start);
                if (recalled != null) {
                    return recalled;
                }
            }
            return measure(start, keepEngine, key);
        } finally {
            held.close();
        }
    }

    /** The cached decision with its engine, or null (after saying why) when it must be measured again. */
    private @Nullable Result recall(DecisionCache.Cached cached, boolean keepEngine, long start) {
        Selection s = cached.selection();
        if (s.budgetExhausted() && options.budget().compareTo(cached.budget()) > 0) {
            log.info("the decision in {} was made within a budget of {} that ran out; measuring again with the budget of {}",
                    s.cacheFile(), human(cached.budget()), human(options.budget()));
            return null;
        }
        Contender chosen = contenders.stream().filter(c -> c.name().equals(s.backend())).findFirst().orElseThrow();
        InferenceEngine engine = null;
        if (keepEngine) {
            try {
                engine = create(chosen, config);
            } catch (RuntimeException | LinkageError e) {
                log.warn("{}, chosen earlier as recorded in {}, does not build now ({}); measuring again", s.backend(),
                        s.cacheFile(), oneLine(e));
                return null;
            }
        }
        log.info("infer4j chose {} for {} from the decision made earlier ({}; {} ms, nothing measured); delete that file to "
                        + "measure again. The table then:\n{}", s.backend(), config.modelName(), s.cacheFile(),
                (System.nanoTime() - start) / 1_000_000, s.table());
        return new Result(s, engine);
    }

    private Result measure(long start, boolean keepEngine, @Nullable DecisionKey key) {
        long deadline = start + options.budget().toNanos();
        Precision precision = config.precision();
        double tolerance = options.tolerance(precision);
        Map<String, Candidate> rows = new LinkedHashMap<>();
        contenders.forEach(c -> rows.put(c.name(), c.availability().isAvailable() ? null
                : row(c.name(), Outcome.UNAVAILABLE, c.availability().detail())));

        Contender reference = referenceContender();
        InferenceEngine referenceEngine;
        try {
            referenceEngine = create(reference, config.withPrecision(Precision.FP32));
        } catch (RuntimeException | LinkageError e) {
            throw failed(rows, reference.name(), "the reference " + reference.name() + " failed to build: " + oneLine(e));
        }
        InferenceEngine best = null;
        Candidate bestRow = null;
        boolean budgetExhausted = false;
        try {
            Map<String, Tensor> template = inputs(referenceEngine.inputs());
            try {
                Parity parity;
                try (Outputs out = referenceEngine.run(template)) {
                    parity = Parity.of(out);
                } catch (InvalidInputException e) {
                    throw e;
                } catch (RuntimeException | LinkageError e) {
                    throw failed(rows, reference.name(), "the reference " + reference.name() + " failed to run: " + oneLine(e));
                }
                for (Contender c : contenders) {
                    if (rows.get(c.name()) != null) {
                        continue; // unavailable
                    }
                    if (System.nanoTime() >= deadline) {
                        budgetExhausted = true;
                        rows.put(c.name(), row(c.name(), Outcome.NOT_MEASURED, "the time budget of " + human(options.budget())
                                + " was spent"));
                        continue;
                    }
                    boolean reuseReference = c.name().equals(reference.name()) && precision == Precision.FP32;
                    InferenceEngine engine;
                    try {
                        engine = reuseReference ? referenceEngine : create(c, config);
                    } catch (RuntimeException | LinkageError e) {
                        rows.put(c.name(), row(c.name(), Outcome.FAILED, "build: " + oneLine(e)));
                        continue;
                    }
                    Candidate measured = measureOne(c.name(), engine, template, parity, tolerance, deadline);
                    rows.put(c.name(), measured);
                    budgetExhausted |= measured.note().endsWith(CUT_SHORT);
                    if (measured.outcome() == Outcome.MEASURED && (bestRow == null || better(measured, bestRow))) {
                        if (best != null && best != referenceEngine) {
                            best.close();
                        }
                        best = engine;
                        bestRow = measured;
                    } else if (engine != referenceEngine) {
                        engine.close();
                    }
                }
            } finally {
                template.values().forEach(Tensor::close);
            }
        } finally {
            if (referenceEngine != best) {
                referenceEngine.close();
            }
        }
        List<Candidate> table = List.copyOf(rows.values());
        if (best == null || bestRow == null) {
            throw new SelectionFailedException("no backend qualified for " + config.modelName() + " (" + precision
                    + "): each was unavailable, failed, differed from " + reference.name() + " by more than " + tolerance
                    + " of an output's scale, or was not measured in time:\n" + Selection.table(table, null), table);
        }
        Selection provisional = new Selection(bestRow.backend(), options.metric(), false, budgetExhausted, table, null);
        java.nio.file.Path file = key == null ? null : cache.store(key, provisional, options.budget());
        Selection selection = new Selection(bestRow.backend(), options.metric(), false, budgetExhausted, table, file);
        log.info("infer4j chose {} for {} by {} in {} ms{}:\n{}", selection.backend(), config.modelName(), options.metric(),
                (System.nanoTime() - start) / 1_000_000, file == null ? "" : " (kept in " + file + ")", selection.table());
        if (budgetExhausted) {
            log.warn("the time budget of {} ran out before every candidate was measured in full; {} is the best of those "
                    + "measured. Give a larger AutoSelection budget to measure them all", human(options.budget()),
                    selection.backend());
        }
        if (!keepEngine) {
            best.close();
            best = null;
        }
        return new Result(selection, best);
    }

    private Contender referenceContender() {
        String name = options.reference();
        Optional<BackendProvider> provider = registry.find(name);
        if (provider.isEmpty()) {
            throw new BackendUnavailableException("the reference backend " + name + " of the automatic choice is not on the "
                    + "class path (found " + registry.names() + "); add its jar (ort-cpu: org.infer4j:backend-ort) or name "
                    + "another with AutoSelection.builder().reference(...)");
        }
        Availability a = registry.statuses().stream().filter(s -> s.name().equals(name)).findFirst()
                .map(BackendStatus::availability).orElseThrow();
        if (!a.isAvailable()) {
            String why = "the reference backend " + name + " of the automatic choice cannot run here: " + a.detail()
                    + (a.remedy().isEmpty() ? "" : ". To fix: " + a.remedy());
            Throwable cause = a.cause();
            throw cause == null ? new BackendUnavailableException(why) : new BackendUnavailableException(why, cause);
        }
        return new Contender(name, provider.get(), a);
    }

    private SelectionFailedException failed(Map<String, Candidate> rows, String reference, String why) {
        List<Candidate> table = new ArrayList<>();
        rows.forEach((name, row) -> table.add(row != null ? row : name.equals(reference)
                ? row(name, Outcome.FAILED, why)
                : row(name, Outcome.NOT_MEASURED, "no reference outputs to compare with")));
        return new SelectionFailedException("no backend qualified for " + config.modelName() + ": " + why + "\n"
                + Selection.table(table, null), table);
    }

    private boolean better(Candidate a, Candidate b) {
        return options.metric() == AutoSelection.Metric.THROUGHPUT ? a.runsPerSecond() > b.runsPerSecond()
                : a.p50Micros() < b.p50Micros();
    }

    private static InferenceEngine create(Contender c, EngineConfig config) {
        if (c.provider() == null) {
            throw new BackendUnavailableException(c.availability().detail());
        }
        return c.provider().create(config);
    }

    /** Checks the engine's outputs, warms it up and times it: its row. Never throws for the engine's failures. */
    private Candidate measureOne(String name, InferenceEngine engine, Map<String, Tensor> template, Parity parity,
                                 double tolerance, long deadline) {
        Parity.Verdict verdict;
        try (Outputs out = engine.run(template)) {
            verdict = parity.check(out, tolerance);
        } catch (RuntimeException | LinkageError e) {
            return row(name, Outcome.FAILED, "run: " + oneLine(e));
        }
        if (!verdict.passed()) {
            return new Candidate(name, Outcome.PARITY_FAILED, Double.NaN, Double.NaN, verdict.difference(),
                    String.valueOf(verdict.failure()));
        }
        try {
            for (int i = 0; i < options.warmupRuns() && System.nanoTime() < deadline; i++) {
                engine.run(template).close(); // warming up: the outputs were checked above
            }
            Timing t = time(engine, template, deadline);
            return new Candidate(name, Outcome.MEASURED, t.p50Micros(), t.runsPerSecond(), verdict.difference(),
                    t.runs() < options.timedRuns() ? t.runs() + " of " + options.timedRuns() + " timed runs" + CUT_SHORT : "");
        } catch (RuntimeException | LinkageError e) {
            return new Candidate(name, Outcome.FAILED, Double.NaN, Double.NaN, verdict.difference(), "run: " + oneLine(e));
        }
    }

    private record Timing(int runs, double p50Micros, double runsPerSecond) {
    }

    /**
     * Times {@link AutoSelection#timedRuns()} calls of {@code run}, shared among
     * {@link AutoSelection#concurrency()} threads with their own copies of the inputs; each thread
     * stops at the deadline, after at least the first run of all.
     */
    private Timing time(InferenceEngine engine, Map<String, Tensor> template, long deadline) {
        int total = options.timedRuns();
        int threads = options.concurrency();
        long[] latencies = new long[total];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
        Runnable caller = () -> {
            Map<String, Tensor> inputs = copies(template);
            try {
                for (int i = next.getAndIncrement(); i < total && (i == 0 || System.nanoTime() < deadline);
                     i = next.getAndIncrement()) {
                    long t0 = System.nanoTime();
                    engine.run(inputs).close(); // freeing the outputs is part of a call's cost
                    latencies[i] = System.nanoTime() - t0;
                    done.incrementAndGet();
                }
            } catch (RuntimeException | LinkageError e) {
                failure.compareAndSet(null, e);
            } finally {
                inputs.values().forEach(Tensor::close);
            }
        };
        long start = System.nanoTime();
        if (threads == 1) {
            caller.run();
        } else {
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(caller, "infer4j-auto-selection-" + t);
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while timing " + engine.backend(), e);
                }
            }
        }
        long elapsed = System.nanoTime() - start;
        Throwable f = failure.get();
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f instanceof LinkageError l) {
            throw l;
        }
        int runs = done.get();
        long[] measured = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
        double p50 = measured.length == 0 ? Double.NaN : measured[(measured.length - 1) / 2] / 1e3;
        return new Timing(runs, p50, runs / (elapsed / 1e9));
    }

    /**
     * The inputs to measure with: the ones given, else generated for the model's inputs at the
     * shapes the builder's ranges make optimal (unknown dimensions without a range set to 1).
     */
    private Map<String, Tensor> inputs(List<TensorInfo> modelInputs) {
        Map<String, Tensor> given = options.newInputs();
        if (!given.isEmpty()) {
            List<String> names = modelInputs.stream().map(TensorInfo::name).toList();
            if (!given.keySet().containsAll(names) || !names.containsAll(given.keySet())) {
                given.values().forEach(Tensor::close);
                throw new InvalidInputException("the inputs given to AutoSelection are " + given.keySet() + ", but the model's "
                        + "inputs are " + names);
            }
            return given;
        }
        Random random = new Random(INPUT_SEED);
        Map<String, Tensor> generated = new LinkedHashMap<>();
        for (TensorInfo info : modelInputs) {
            ShapeRange range = config.shapeRanges().get(info.name());
            long[] dims = range != null ? range.optimal().toArray() : info.shape().toArray();
            for (int d = 0; d < dims.length; d++) {
                if (dims[d] == Shape.UNKNOWN) {
                    dims[d] = 1;
                }
            }
            generated.put(info.name(), generate(info.elementType(), dims, random));
        }
        return generated;
    }

    private static Tensor generate(ElementType type, long[] dims, Random random) {
        int n = Math.toIntExact(Shape.of(dims).elementCount());
        float[] floats = new float[n];
        for (int i = 0; i < n; i++) {
            floats[i] = random.nextFloat() * 2 - 1;
        }
        return switch (type) {
            case FLOAT32 -> Tensor.of(floats, dims);
            case FLOAT16 -> Tensor.ofFloat16(floats, dims);
            case BFLOAT16 -> Tensor.ofBFloat16(floats, dims);
            case INT64 -> Tensor.of(filledLongs(n), dims);
            case INT32 -> Tensor.of(filledInts(n), dims);
            case INT8 -> Tensor.ofInt8(filledBytes(n), dims);
            case UINT8 -> Tensor.ofUint8(filledBytes(n), dims);
            case BOOL -> {
                boolean[] b = new boolean[n];
                Arrays.fill(b, true);
                yield Tensor.of(b, dims);
            }
        };
    }

    private static long[] filledLongs(int n) {
        long[] v = new long[n];
        Arrays.fill(v, 1L);
        return v;
    }

    private static int[] filledInts(int n) {
        int[] v = new int[n];
        Arrays.fill(v, 1);
        return v;
    }

    private static byte[] filledBytes(int n) {
        byte[] v = new byte[n];
        Arrays.fill(v, (byte) 1);
        return v;
    }

    private static Map<String, Tensor> copies(Map<String, Tensor> template) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        template.forEach((name, t) -> {
            Tensor copy = Tensor.allocate(t.elementType(), t.shape().toArray());
            copy.copyFrom(t);
            out.put(name, copy);
        });
        return out;
    }

    private static Candidate row(String name, Outcome outcome, String note) {
        return new Candidate(name, outcome, Double.NaN, Double.NaN, Double.NaN, note);
    }

    private static String safeDescription(BackendProvider provider) {
        try {
            return provider.description();
        } catch (RuntimeException | LinkageError e) {
            return "(no description: " + e.getClass().getSimpleName() + ")";
        }
    }

    private static String oneLine(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
    }

    /** Like {@code 300 s} or {@code 1500 ms}, for messages. */
    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
