package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** What {@link EngineBuilder#devices} and {@link EngineBuilder#allDevices()} promise, on fake devices. */
class MultiDeviceRoutingTest {

    @Test
    void buildsOneEngineOnEachListedDevice() {
        GatedProvider provider = new GatedProvider(4, 2);
        try (InferenceEngine engine = provider.builder().devices(3, 1).build()) {
            assertThat(provider.made).extracting(e -> e.device).containsExactly(3, 1);
            assertThat(engine.backend()).isEqualTo("gated");
            assertThat(engine.inputs()).extracting(TensorInfo::name).containsExactly("x");
        }
        assertThat(provider.made).allSatisfy(e -> assertThat(e.released).isTrue());
    }

    @Test
    void allDevicesTakesEveryDeviceTheBackendSees() {
        GatedProvider provider = new GatedProvider(3, 2);
        try (InferenceEngine engine = provider.builder().allDevices().build()) {
            assertThat(provider.made).extracting(e -> e.device).containsExactly(0, 1, 2);
        }
    }

    @Test
    void oneCallerAtATimeIsSpreadEvenlyAndEachDeviceReportsItsShare() {
        GatedProvider provider = new GatedProvider(3, 2);
        try (InferenceEngine engine = provider.builder().devices(0, 1, 2).build(); Tensor x = GatedEngine.rows(1, 2)) {
            for (int i = 0; i < 9; i++) {
                try (Outputs out = engine.run(Map.of("x", x))) {
                    assertThat(out.get("y").toFloatArray()).containsExactly(GatedEngine.doubled(1, 2));
                }
            }
            assertThat(provider.made).allSatisfy(e -> assertThat(e.calls).hasValue(3));
            EngineStats stats = engine.stats();
            for (int device = 0; device < 3; device++) {
                assertThat(stats.counter("device." + device + ".requests")).isEqualTo(3);
                assertThat(stats.counter("device." + device + ".inFlight")).isZero();
            }
        }
    }

    @Test
    void aRequestGoesToTheDeviceWithTheFewestInFlight() throws Exception {
        GatedProvider provider = new GatedProvider(2, 2);
        try (InferenceEngine engine = provider.builder().devices(0, 1).build(); Tensor x = GatedEngine.rows(0, 1)) {
            provider.on(0).closeGate();
            provider.on(1).closeGate();
            List<CompletableFuture<Outputs>> futures = new ArrayList<>();
            futures.add(engine.runAsync(Map.of("x", x)));
            futures.add(engine.runAsync(Map.of("x", x)));
            provider.on(0).awaitStarted(1);
            provider.on(1).awaitStarted(1);
            assertThat(engine.stats().counters()).containsEntry("device.0.inFlight", 1L).containsEntry("device.1.inFlight", 1L);

            provider.on(1).open(3); // device 1 finishes what it gets; device 0 stays busy
            for (int request = 1; request <= 3; request++) {
                if (request > 1) {
                    futures.add(engine.runAsync(Map.of("x", x)));
                }
                futures.get(request).join().close();
                while (engine.stats().counter("device.1.inFlight") != 0) { // its count drops as its future completes
                    Thread.onSpinWait();
                }
            }
            assertThat(provider.on(1).calls).as("later requests went to the idle device").hasValue(3);
            assertThat(provider.on(0).calls).hasValue(1);
            provider.on(0).open(1);
            futures.get(0).join().close();
        }
    }

    @Test
    void bindingsAreSpreadOverTheDevicesAndStayOnTheirs() {
        GatedProvider provider = new GatedProvider(2, 2);
        try (InferenceEngine engine = provider.builder().devices(0, 1).build(); Tensor x = GatedEngine.rows(2, 1);
             Binding first = engine.bind(Map.of("x", x)); Binding second = engine.bind(Map.of("x", x))) {
            first.run();
            second.runAsync().join();
            first.run();
            assertThat(first.output("y").toFloatArray()).containsExactly(GatedEngine.doubled(2, 1));
            assertThat(provider.made).extracting(e -> e.calls.get()).containsExactlyInAnyOrder(2, 1);
        }
    }

    @Test
    void aDeviceThatCannotBeBuiltClosesTheOnesBuiltAndSaysWhich() {
        GatedProvider provider = new GatedProvider(2, 2);
        assertThatThrownBy(() -> provider.builder().devices(0, 1, 5).build()).isInstanceOf(BackendUnavailableException.class)
                .hasMessage("fake device 5 does not exist");
        assertThat(provider.made).hasSize(2).allSatisfy(e -> assertThat(e.released).isTrue());
    }

    @Test
    void aOneDeviceListRoutesEverythingToThatDevice() {
        GatedProvider provider = new GatedProvider(1, 2);
        try (InferenceEngine engine = provider.builder().devices(0).build(); Tensor x = GatedEngine.rows(5, 3)) {
            try (Outputs out = engine.runAsync(Map.of("x", x)).join()) {
                assertThat(out.get("y").toFloatArray()).containsExactly(GatedEngine.doubled(5, 3));
            }
            assertThat(engine.stats().counter("device.0.requests")).isEqualTo(1);
        }
    }

    @Test
    void batchesAreRoutedOverTheDevices() {
        GatedProvider provider = new GatedProvider(2, 2);
        try (InferenceEngine engine = provider.builder().devices(0, 1).dynamicBatching(2, Duration.ofHours(1)).build()) {
            List<CompletableFuture<Outputs>> futures = new ArrayList<>();
            List<Tensor> inputs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Tensor x = GatedEngine.rows(i, 1);
                inputs.add(x);
                futures.add(engine.runAsync(Map.of("x", x)));
            }
            for (int i = 0; i < 8; i++) {
                try (Outputs out = futures.get(i).join()) {
                    assertThat(out.get("y").toFloatArray()).containsExactly(GatedEngine.doubled(i, 1));
                }
            }
            inputs.forEach(Tensor::close);
            assertThat(provider.made).allSatisfy(e -> assertThat(e.batchSizes).isNotEmpty().containsOnly(2L));
            assertThat(engine.stats().counter("batching.batches")).isEqualTo(4);
        }
    }

    @Test
    void aClosedRoutedEngineRefusesCalls() {
        GatedProvider provider = new GatedProvider(2, 2);
        InferenceEngine engine = provider.builder().devices(0, 1).build();
        engine.close();
        engine.close();
        try (Tensor x = GatedEngine.rows(0, 1)) {
            assertThatThrownBy(() -> engine.run(Map.of("x", x))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("on devices [0, 1] is closed");
            assertThatThrownBy(() -> engine.runAsync(Map.of("x", x))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void deviceListsThatCanNeverBeRightAreRefused() {
        EngineBuilder builder = InferenceEngine.builder();
        assertThatThrownBy(builder::devices).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
        assertThatThrownBy(() -> builder.devices(0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.devices(1, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("device 1 is listed twice");
    }
}
