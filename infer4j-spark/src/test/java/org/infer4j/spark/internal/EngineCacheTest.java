package org.infer4j.spark.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.ModelLoadException;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.junit.jupiter.api.Test;

class EngineCacheTest {
    private static final EngineSpec MLP = new EngineSpec("/models/mlp.onnx", "ort-cpu", Precision.FP32, Map.of());

    private final List<EchoEngine> built = new ArrayList<>();
    private final EngineCache cache = new EngineCache((spec, device) -> {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN, 4);
        synchronized (built) {
            built.add(engine);
        }
        return engine;
    }, false);

    @Test
    void oneSpecOnOneDeviceIsBuiltOnceAndShared() {
        InferenceEngine first = cache.get(MLP, null);

        assertThat(cache.get(MLP, null)).isSameAs(first);
        assertThat(cache.get(new EngineSpec("/models/mlp.onnx", "ort-cpu", Precision.FP32, Map.of()), null)).isSameAs(first);
        assertThat(cache.creations()).isEqualTo(1);
    }

    @Test
    void anotherDeviceBackendPrecisionOrOptionGetsItsOwnEngine() {
        cache.get(MLP, null);
        cache.get(MLP, 1);
        cache.get(new EngineSpec("/models/mlp.onnx", "ort-cuda", Precision.FP32, Map.of()), null);
        cache.get(new EngineSpec("/models/mlp.onnx", "ort-cpu", Precision.FP16, Map.of()), null);
        cache.get(new EngineSpec("/models/mlp.onnx", "ort-cpu", Precision.FP32, Map.of("intra_op_threads", "1")), null);

        assertThat(cache.creations()).isEqualTo(5);
        assertThat(cache.size()).isEqualTo(5);
    }

    @Test
    void tasksAskingAtOnceShareTheOneBuild() throws Exception {
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<InferenceEngine>> got = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                got.add(pool.submit(() -> {
                    start.await();
                    return cache.get(MLP, 0);
                }));
            }
            start.countDown();
            Set<InferenceEngine> distinct = ConcurrentHashMap.newKeySet();
            for (Future<InferenceEngine> f : got) {
                distinct.add(f.get());
            }

            assertThat(distinct).hasSize(1);
            assertThat(cache.creations()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedBuildIsNotRememberedSoARetryBuildsAgain() {
        AtomicInteger attempts = new AtomicInteger();
        EngineCache failingOnce = new EngineCache((spec, device) -> {
            if (attempts.incrementAndGet() == 1) {
                throw new ModelLoadException("model file " + spec.modelPath() + " does not exist");
            }
            return new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN, 4);
        }, false);

        assertThatThrownBy(() -> failingOnce.get(MLP, null)).isInstanceOf(ModelLoadException.class);
        assertThat(failingOnce.size()).isZero();
        assertThat(failingOnce.get(MLP, null)).isNotNull();
        assertThat(attempts).hasValue(2);
        assertThat(failingOnce.creations()).isEqualTo(1);
    }

    @Test
    void closeAllClosesEveryEngineAndTheNextTaskBuildsAnew() {
        InferenceEngine first = cache.get(MLP, null);
        cache.get(MLP, 1);

        cache.closeAll();
        cache.closeAll();

        assertThat(built).hasSize(2).allMatch(EchoEngine::isClosed);
        assertThat(cache.size()).isZero();
        assertThat(cache.get(MLP, null)).isNotSameAs(first);
        assertThat(cache.creations()).isEqualTo(3);
    }
}
