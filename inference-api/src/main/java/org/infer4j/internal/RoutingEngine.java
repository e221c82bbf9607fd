package org.infer4j.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.infer4j.Binding;
import org.infer4j.EngineStats;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.ShapeRange;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * One engine per device behind one {@link InferenceEngine}: each call goes to the device with the
 * fewest calls in flight (synchronous and asynchronous alike), ties to the one that has served
 * fewest, so that even one caller at a time spreads over the devices. A binding goes to the device
 * with the fewest open bindings and stays there. {@link #allocate} hands out the first device's
 * host tensors, which every device can read (page-locked memory is shared by all devices under
 * CUDA's unified addressing).
 *
 * <p>{@link #stats()} reports per device {@code device.N.requests} (calls routed there) and
 * {@code device.N.inFlight}, then that device's engine's counters prefixed {@code device.N.}, and
 * its notes prefixed {@code device N: }. Close closes every device's engine, each with its own
 * close semantics. Thread-safe: routing takes no lock, only atomic counters.
 */
public final class RoutingEngine implements InferenceEngine {
    private final List<InferenceEngine> engines;
    private final int[] devices;
    private final AtomicInteger[] inFlight;
    private final AtomicLong[] served;
    private final AtomicInteger[] openBindings;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RoutingEngine(int[] devices, List<InferenceEngine> engines) {
        this.devices = devices.clone();
        this.engines = List.copyOf(engines);
        this.inFlight = new AtomicInteger[devices.length];
        this.served = new AtomicLong[devices.length];
        this.openBindings = new AtomicInteger[devices.length];
        for (int i = 0; i < devices.length; i++) {
            inFlight[i] = new AtomicInteger();
            served[i] = new AtomicLong();
            openBindings[i] = new AtomicInteger();
        }
    }

    /**
     * Builds an engine on each of {@code devices}, one after the other (so that a backend that
     * compiles and caches the model compiles it once per GPU model), and routes between them. If
     * one fails to build, the ones built are closed and its exception is thrown.
     *
     * @param devices device indices, at least one
     * @param build makes the engine for a device index
     */
    public static InferenceEngine over(int[] devices, IntFunction<InferenceEngine> build) {
        List<InferenceEngine> built = new ArrayList<>();
        try {
            for (int device : devices) {
                built.add(Objects.requireNonNull(build.apply(device), "engine"));
            }
            return new RoutingEngine(devices, built);
        } catch (RuntimeException | Error e) {
            for (InferenceEngine engine : built) {
                try {
                    engine.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    @Override
    public String backend() {
        return engines.get(0).backend();
    }

    @Override
    public List<TensorInfo> inputs() {
        ensureOpen();
        return engines.get(0).inputs();
    }

    @Override
    public List<TensorInfo> outputs() {
        ensureOpen();
        return engines.get(0).outputs();
    }

    @Override
    public Optional<ShapeRange> shapeRange(String name) {
        ensureOpen();
        return engines.get(0).shapeRange(name);
    }

    @Override
    public Outputs run(Map<String, ? extends Tensor> inputs) {
        int i = take();
        try {
            return engines.get(i).run(inputs);
        } finally {
            inFlight[i].decrementAndGet();
        }
    }

    @Override
    public void run(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        int i = take();
        try {
            engines.get(i).run(inputs, outputs);
        } finally {
            inFlight[i].decrementAndGet();
        }
    }

    /** Routes the request and returns the device engine's own future, so that cancelling it works as there. */
    @Override
    public CompletableFuture<Outputs> runAsync(Map<String, ? extends Tensor> inputs) {
        int i = take();
        CompletableFuture<Outputs> future;
        try {
            future = engines.get(i).runAsync(inputs);
        } catch (RuntimeException e) {
            inFlight[i].decrementAndGet();
            throw e;
        }
        future.whenComplete((out, failure) -> inFlight[i].decrementAndGet());
        return future;
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> inputs) {
        return bind(inputs, Map.of());
    }

    @Override
    public Binding bind(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
        ensureOpen();
        int i = 0;
        for (int j = 1; j < devices.length; j++) {
            if (openBindings[j].get() < openBindings[i].get()) {
                i = j;
            }
        }
        Binding binding = engines.get(i).bind(inputs, outputs);
        openBindings[i].incrementAndGet();
        return new DeviceBinding(binding, openBindings[i]);
    }

    @Override
    public Tensor allocate(String name, long... shape) {
        ensureOpen();
        return engines.get(0).allocate(name, shape);
    }

    @Override
    public EngineStats stats() {
        Map<String, Long> counters = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < devices.length; i++) {
            String prefix = "device." + devices[i] + ".";
            counters.put(prefix + "requests", served[i].get());
            counters.put(prefix + "inFlight", (long) inFlight[i].get());
            EngineStats own = engines.get(i).stats();
            own.counters().forEach((name, value) -> counters.put(prefix + name, value));
            for (String note : own.notes()) {
                notes.add("device " + devices[i] + ": " + note);
            }
        }
        return new EngineStats(counters, notes);
    }

    /** Closes every device's engine; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RuntimeException first = null;
        for (InferenceEngine engine : engines) {
            try {
                engine.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The device with the fewest calls in flight, ties to the one that has served fewest; counted in flight. */
    private int take() {
        ensureOpen();
        int best = 0;
        int bestLoad = inFlight[0].get();
        for (int i = 1; i < devices.length; i++) {
            int load = inFlight[i].get();
            if (load < bestLoad || load == bestLoad && served[i].get() < served[best].get()) {
                best = i;
                bestLoad = load;
            }
        }
        inFlight[best].incrementAndGet();
        served[best].incrementAndGet();
        return best;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this " + backend() + " engine on devices " + java.util.Arrays.toString(devices)
                    + " is closed");
        }
    }

    /** A device engine's binding that counts itself open on its device until closed. */
    private static final class DeviceBinding implements Binding {
        private final Binding binding;
        private final AtomicInteger openOnDevice;
        private final AtomicBoolean closed = new AtomicBoolean();

        DeviceBinding(Binding binding, AtomicInteger openOnDevice) {
            this.binding = binding;
            this.openOnDevice = openOnDevice;
        }

        @Override
        public void run() {
            binding.run();
        }

        @Override
        public CompletableFuture<Void> runAsync() {
            return binding.runAsync();
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
            if (closed.compareAndSet(false, true)) {
                openOnDevice.decrementAndGet();
            }
        }
    }
}
