package org.infer4j.examples.backend;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.infer4j.Binding;
import org.infer4j.EngineStats;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An engine that hands every call to another and times it: a call that completes after the threshold or later is
 * logged at WARN with its input shapes. The other engine checks the inputs and keeps the lifecycle (a closed engine
 * throws {@link IllegalStateException}), so this one keeps the contract by passing everything on. Thread-safe as the
 * engine it wraps; the counters allocate nothing per call.
 */
final class LoggedEngine implements InferenceEngine {
    private static final Logger log = LoggerFactory.getLogger(LoggedEngine.class);

    private final String name;
    private final InferenceEngine delegate;
    private final long thresholdNanos;
    private final LongAdder calls = new LongAdder();
    private final LongAdder slowCalls = new LongAdder();

    LoggedEngine(String name, InferenceEngine delegate, Duration threshold) {
        this.name = name;
        this.delegate = delegate;
        this.thresholdNanos = threshold.toNanos();
    }

    @Override
    public String backend() {
        return name;
    }

    @Override
    public List<TensorInfo> inputs() {
        return delegate.inputs();
    }

    @Override
    public List<TensorInfo> outputs() {
        return delegate.outputs();
    }

    @Override
    public Outputs run(Map<String, ? extends Tensor> inputs) {
        long start = System.nanoTime();
        Outputs outputs = delegate.run(inputs);
        completed(start, inputs);
        return outputs;
    }

    /** The other engine's own future, so that cancelling it cancels the request; timed when it completes. */
    @Override
    public CompletableFuture<Outputs> runAsync(Map<String, ? extends Tensor> inputs) {
        long start = System.nanoTime();
        Map<String, ? extends Tensor> described = Map.copyOf(inputs);
        CompletableFuture<Outputs> outputs = delegate.runAsync(inputs);
        outputs.whenComplete((result, failure) -> {
            if (failure == null) {
                completed(start, described);
            }
        });
        return outputs;
    }

    @Override
    public void run(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        long start = System.nanoTime();
        delegate.run(inputs, outputs);
        completed(start, inputs);
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> inputs) {
        return new TimedBinding(delegate.bind(inputs), inputs);
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        return new TimedBinding(delegate.bind(inputs, outputs), inputs);
    }

    @Override
    public Tensor allocate(String name, long... shape) {
        return delegate.allocate(name, shape);
    }

    /** ort-cpu's stats with {@code logged.calls} and {@code logged.slowCalls} added. */
    @Override
    public EngineStats stats() {
        EngineStats inner = delegate.stats();
        Map<String, Long> counters = new LinkedHashMap<>(inner.counters());
        counters.put("logged.calls", calls.sum());
        counters.put("logged.slowCalls", slowCalls.sum());
        return new EngineStats(counters, inner.notes());
    }

    @Override
    public void close() {
        delegate.close();
    }

    private void completed(long startNanos, Map<String, ? extends Tensor> inputs) {
        long nanos = System.nanoTime() - startNanos;
        calls.increment();
        if (nanos >= thresholdNanos) {
            slowCalls.increment();
            log.warn("{} call took {} µs (threshold {} µs), inputs: {}", name, nanos / 1000, thresholdNanos / 1000,
                    inputs.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().describe())
                            .collect(Collectors.joining(", ")));
        }
    }

    private final class TimedBinding implements Binding {
        private final Binding binding;
        private final Map<String, ? extends Tensor> inputs;

        TimedBinding(Binding binding, Map<String, ? extends Tensor> inputs) {
            this.binding = binding;
            this.inputs = Map.copyOf(inputs);
        }

        @Override
        public void run() {
            long start = System.nanoTime();
            binding.run();
            completed(start, inputs);
        }

        @Override
        public Tensor input(String name) {
            return binding.input(name);
        }

        @Override
        public Tensor output(String name) {
            return binding.output(name);
        }

        @Override
        public void close() {
            binding.close();
        }
    }
}
