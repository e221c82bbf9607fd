package org.infer4j.bench.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.infer4j.Binding;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.jspecify.annotations.Nullable;

/**
 * The soak's load: worker threads that each, until the stop time, pick a series, an input and a way
 * to run at random (seeded) and check every output against the series' reference; and, with a churn
 * period, one more thread that periodically builds another engine for the next series in turn, runs
 * every input through it ({@code engine.run}, then a {@code Binding} per shape, run twice) and closes it.
 *
 * <p>The two ways a worker runs: {@code engine.run} on the shared input tensors, returning new
 * outputs that it closes; or a {@code Binding} of its own per series and shape, bound once to input
 * tensors from {@code engine.allocate} (page-locked where the backend offers it), into which it
 * copies the chosen input's values before each run, as a steady-state loop does. A binding whose run
 * throws is closed and bound again next time. Exceptions are counted as errors and the thread goes
 * on; an {@link Error} ends the thread after being counted.
 *
 * <p>However short the time, every worker runs once and the churn thread does one cycle, at the start.
 *
 * <p>Use from one thread; {@link #run} blocks until the load has stopped.
 */
public final class SoakRunner {

    /**
     * How to load the series.
     *
     * @param threads worker threads, at least 1
     * @param seed seeds each worker's choices (worker i: a stream of its own)
     * @param churnEvery time between the starts of two churn cycles, or null for no churn thread
     * @param hangGrace how long after the stop time a thread may take to finish before it counts as hung
     */
    public record Settings(int threads, long seed, @Nullable Duration churnEvery, Duration hangGrace) {
        public Settings {
            if (threads < 1) {
                throw new IllegalArgumentException("at least one worker thread is needed, not " + threads);
            }
        }
    }

    private final List<SoakSeries> series;
    private final Settings settings;
    private final SoakEvents events;

    /**
     * @param series the series to load, opened, at least one
     * @param settings threads, seed, churn
     * @param events where mismatches and errors are counted
     */
    public SoakRunner(List<SoakSeries> series, Settings settings, SoakEvents events) {
        if (series.isEmpty()) {
            throw new IllegalArgumentException("nothing to soak: no series");
        }
        this.series = List.copyOf(series);
        this.settings = settings;
        this.events = events;
    }

    /**
     * Runs the load until {@code stopAtNanos} ({@link System#nanoTime()}), then waits for every thread.
     *
     * @param stopAtNanos when workers stop starting runs
     * @return the names of the threads still running {@link Settings#hangGrace()} after the stop time
     *         (each also counted as an error with its stack); empty normally
     */
    public List<String> run(long stopAtNanos) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < settings.threads(); i++) {
            int id = i;
            threads.add(thread("soak-worker-" + id, () -> work(id, stopAtNanos)));
        }
        Duration churnEvery = settings.churnEvery();
        if (churnEvery != null) {
            threads.add(thread("soak-churn", () -> churn(churnEvery.toNanos(), stopAtNanos)));
        }
        threads.forEach(Thread::start);
        long giveUpAt = stopAtNanos + settings.hangGrace().toNanos();
        List<String> hung = new ArrayList<>();
        for (Thread t : threads) {
            try {
                long wait = Math.max(1, giveUpAt - System.nanoTime());
                TimeUnit.NANOSECONDS.timedJoin(t, wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                hung.add(t.getName());
                IllegalStateException stuck = new IllegalStateException(t.getName() + " was still running "
                        + settings.hangGrace().toSeconds() + " s after the stop time: a run, build or close that does not return "
                        + "(the stack below is where it is)");
                stuck.setStackTrace(t.getStackTrace());
                events.error(null, t.getName(), stuck);
            }
        }
        return hung;
    }

    private Thread thread(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) { // an Error ends the thread, counted, so that the soak reports it
                events.error(null, name + " ended", e);
            }
        }, name);
        t.setDaemon(true); // a hung native call must not keep the JVM from exiting
        return t;
    }

    private void work(int id, long stopAtNanos) {
        SplittableRandom random = new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + id);
        Map<String, Bound> bindings = new HashMap<>();
        String who = "worker " + id;
        try {
            do {
                SoakSeries s = series.get(random.nextInt(series.size()));
                int k = random.nextInt(s.inputs().size());
                if (random.nextBoolean()) {
                    runEngine(s, s.engine(), k, s.check(), who + " engine.run");
                } else {
                    runBinding(s, k, bindings, who + " Binding");
                }
            } while (System.nanoTime() - stopAtNanos < 0);
        } finally {
            bindings.values().forEach(Bound::close);
        }
    }

    private void runEngine(SoakSeries s, InferenceEngine engine, int k, OutputCheck check, String where) {
        SoakSeries.Input input = s.inputs().get(k);
        try (Outputs out = engine.run(input.tensors())) {
            s.engineRuns.increment();
            verify(s, k, out.asMap(), check, where);
        } catch (RuntimeException e) {
            events.error(s, where + " on " + input.label(), e);
        }
    }

    private void runBinding(SoakSeries s, int k, Map<String, Bound> bindings, String where) {
        SoakSeries.Input input = s.inputs().get(k);
        String key = s.name() + "#" + input.shapeIndex();
        Bound bound = bindings.get(key);
        try {
            if (bound == null) {
                bound = Bound.of(s.engine(), input.tensors());
                bindings.put(key, bound);
            }
            for (Map.Entry<String, Tensor> e : input.tensors().entrySet()) {
                bound.binding().input(e.getKey()).copyFrom(e.getValue());
            }
            bound.binding().run();
            s.bindingRuns.increment();
            verify(s, k, bound.outputs(s.engine()), s.check(), where);
        } catch (RuntimeException e) {
            events.error(s, where + " on " + input.label(), e);
            if (bound != null) {
                bindings.remove(key);
                bound.close();
            }
        }
    }

    private void verify(SoakSeries s, int k, Map<String, Tensor> outputs, OutputCheck check, String where) {
        List<String> differences = s.mismatches(k, outputs, check);
        if (!differences.isEmpty()) {
            events.mismatch(s, where, s.inputs().get(k).label(), differences);
        }
    }

    /**
     * Churn cycles, one series after another, the first at once and each later one {@code periodNanos} after the
     * previous one started; a cycle is skipped when the last one of its series took longer than the time left.
     */
    private void churn(long periodNanos, long stopAtNanos) {
        long[] lastTook = new long[series.size()];
        long next = System.nanoTime();
        for (int cycle = 0, i = 0; ; cycle++, i = (i + 1) % series.size()) {
            if (cycle > 0) {
                long wakeAt = next - stopAtNanos < 0 ? next : stopAtNanos;
                while (System.nanoTime() - wakeAt < 0) {
                    LockSupport.parkNanos(wakeAt - System.nanoTime());
                }
                if (System.nanoTime() - stopAtNanos >= 0) {
                    return;
                }
            }
            long start = System.nanoTime();
            next = start + periodNanos;
            if (lastTook[i] > stopAtNanos - start) {
                continue;
            }
            churnOnce(series.get(i));
            lastTook[i] = System.nanoTime() - start;
        }
    }

    private void churnOnce(SoakSeries s) {
        InferenceEngine engine;
        try {
            engine = s.buildAnother();
        } catch (RuntimeException e) {
            events.error(s, "churn build", e);
            return;
        }
        try (engine) {
            boolean[] boundShape = new boolean[s.inputs().size()];
            for (int k = 0; k < s.inputs().size(); k++) {
                runEngine(s, engine, k, s.rebuiltCheck(), "churn engine.run");
            }
            for (int k = 0; k < s.inputs().size(); k++) {
                SoakSeries.Input input = s.inputs().get(k);
                if (boundShape[input.shapeIndex()]) {
                    continue;
                }
                boundShape[input.shapeIndex()] = true;
                try (Bound bound = Bound.of(engine, input.tensors())) {
                    bound.binding().run();
                    bound.binding().run(); // the second run replays what the first captured, where graphs are on
                    s.bindingRuns.add(2);
                    verify(s, k, bound.outputs(engine), s.rebuiltCheck(), "churn Binding");
                } catch (RuntimeException e) {
                    events.error(s, "churn Binding on " + input.label(), e);
                }
            }
            s.churnCycles.increment();
        } catch (RuntimeException e) {
            events.error(s, "churn close", e);
        }
    }

    /** A binding and the input tensors it is bound to, both owned. */
    private record Bound(Binding binding, TensorMap inputs) implements AutoCloseable {

        static Bound of(InferenceEngine engine, Map<String, Tensor> values) {
            TensorMap inputs = TensorMap.copiesFor(engine, values);
            try {
                return new Bound(engine.bind(inputs.tensors()), inputs);
            } catch (RuntimeException e) {
                inputs.close();
                throw e;
            }
        }

        Map<String, Tensor> outputs(InferenceEngine engine) {
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            for (TensorInfo info : engine.outputs()) {
                outputs.put(info.name(), binding.output(info.name()));
            }
            return outputs;
        }

        @Override
        public void close() {
            try {
                binding.close();
            } finally {
                inputs.close();
            }
        }
    }
}
