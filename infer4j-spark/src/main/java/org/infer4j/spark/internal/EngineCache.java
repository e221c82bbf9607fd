package org.infer4j.spark.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.infer4j.InferenceEngine;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engines of one JVM, one per {@link EngineSpec} and device: built on first use, shared by every
 * task thread of an executor and reused by every later task and partition, closed when the JVM shuts
 * down.
 *
 * <p>Sharing one engine between task threads is what {@link InferenceEngine#run} allows: it may be
 * called from many threads at once. Building happens outside the map's locks, once per key: the
 * first task to ask builds (a TensorRT build can take minutes), later ones wait for that build, and
 * tasks asking for other keys are not held up. A build that fails is not remembered, so Spark's task
 * retry tries again.
 *
 * <p>Why a JVM shutdown hook closes the engines rather than Spark's {@code ExecutorPlugin.shutdown()}:
 * the hook needs no configuration ({@code spark.plugins}) from each job, works the same in local mode,
 * where the driver runs the tasks, and in every cluster manager, and is registered only by a JVM that
 * builds an engine. Executors exit through the JVM's shutdown sequence when they are stopped or
 * decommissioned, so the hook runs there as a plugin's shutdown would. A JVM that is killed outright
 * runs neither; the operating system and the GPU driver then reclaim the memory.
 *
 * <p>Thread-safe.
 */
public final class EngineCache {
    private static final Logger log = LoggerFactory.getLogger(EngineCache.class);
    private static final EngineCache SHARED = new EngineCache(EngineSpec::build, true);

    private record Key(EngineSpec spec, @Nullable Integer device) {
    }

    /** Holds one key's engine; its monitor serialises the build, so that one build runs per key. */
    private static final class Slot {
        private volatile @Nullable InferenceEngine engine;
        /** Set by {@link #closeAll()} after removing the slot: a caller that found it before must look again. */
        private boolean retired;
    }

    private final ConcurrentHashMap<Key, Slot> slots = new ConcurrentHashMap<>();
    private final BiFunction<EngineSpec, @Nullable Integer, InferenceEngine> factory;
    private final boolean closeAtShutdown;
    private final AtomicBoolean shutdownHookAdded = new AtomicBoolean();
    private final AtomicInteger creations = new AtomicInteger();

    /**
     * @param factory builds the engine of a spec on a device (null: the builder's default device)
     * @param closeAtShutdown whether the first build registers a JVM shutdown hook that closes every engine
     */
    EngineCache(BiFunction<EngineSpec, @Nullable Integer, InferenceEngine> factory, boolean closeAtShutdown) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.closeAtShutdown = closeAtShutdown;
    }

    /** The cache of this JVM, which the scoring tasks use. */
    public static EngineCache shared() {
        return SHARED;
    }

    /**
     * The engine for {@code spec} on {@code device}, built by the first call for that pair.
     *
     * @param spec what to build
     * @param device the CUDA device index, or null for the builder's default device
     * @return the shared engine; callers must not close it
     * @throws org.infer4j.InferenceException if the build fails (the next call tries again)
     */
    public InferenceEngine get(EngineSpec spec, @Nullable Integer device) {
        Key key = new Key(Objects.requireNonNull(spec, "spec"), device);
        while (true) {
            Slot slot = slots.computeIfAbsent(key, k -> new Slot());
            synchronized (slot) {
                if (slot.retired) {
                    continue;
                }
                InferenceEngine engine = slot.engine;
                if (engine != null) {
                    return engine;
                }
                try {
                    engine = factory.apply(spec, device);
                } catch (RuntimeException | Error e) {
                    slot.retired = true;
                    slots.remove(key, slot);
                    throw e;
                }
                slot.engine = engine;
                creations.incrementAndGet();
                log.info("built the engine for {} on device {}", spec.describe(), device != null ? device : "default");
                if (closeAtShutdown && shutdownHookAdded.compareAndSet(false, true)) {
                    Runtime.getRuntime().addShutdownHook(new Thread(this::closeAll, "infer4j-spark-engines-close"));
                }
                return engine;
            }
        }
    }

    /** How many engines this cache has built since it was made: a reused engine counts once. */
    public int creations() {
        return creations.get();
    }

    /** How many engines the cache holds now. */
    public int size() {
        return (int) slots.values().stream().filter(s -> s.engine != null).count();
    }

    /**
     * Removes every engine and closes it, waiting for its calls in flight. A task that still holds
     * one of them fails on its next call; the next {@link #get} builds anew. Idempotent.
     */
    public void closeAll() {
        List<InferenceEngine> engines = new ArrayList<>();
        for (Key key : List.copyOf(slots.keySet())) {
            Slot slot = slots.remove(key);
            if (slot != null) {
                synchronized (slot) {
                    slot.retired = true;
                    InferenceEngine engine = slot.engine;
                    if (engine != null) {
                        engines.add(engine);
                        slot.engine = null;
                    }
                }
            }
        }
        for (InferenceEngine engine : engines) {
            try {
                engine.close();
            } catch (RuntimeException e) {
                log.warn("closing the {} engine failed; closing the others", engine.backend(), e);
            }
        }
    }
}
