package org.infer4j.examples.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.Binding;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.junit.jupiter.api.Test;

/** What logged-ort-cpu adds to ort-cpu: counted calls, slow ones logged, and a reason where it cannot run. */
class LoggedOrtCpuTest {
    static final Path MLP = Path.of(System.getProperty("models.dir"), "mlp_tiny.onnx");

    @Test
    void isRegisteredBelowEveryBuiltInBackendSoOnlyItsNameChoosesIt() {
        Backends backends = Backends.discover();
        assertThat(backends.names()).contains("logged-ort-cpu", "ort-cpu");
        assertThat(backends.require("logged-ort-cpu").priority()).isLessThan(backends.require("ort-cpu").priority());
        assertThat(backends.automatic().name()).isNotEqualTo("logged-ort-cpu");
    }

    @Test
    void withoutOrtCpuItIsUnavailableAndSaysWhatToAdd() {
        Availability availability = new LoggedOrtCpuProvider(Backends.of()).availability();
        assertThat(availability.isAvailable()).isFalse();
        assertThat(availability.detail()).contains("no ort-cpu is on the class path");
        assertThat(availability.remedy()).contains("org.infer4j:backend-ort");
    }

    @Test
    void aThresholdOfZeroCountsEveryKindOfCallAsSlow() {
        try (InferenceEngine engine = build(Duration.ZERO);
             Tensor x = Tensor.allocate(ElementType.FLOAT32, 2, 16);
             Tensor y = engine.allocate("output", 2, 4)) {
            engine.run(Map.of("input", x)).close();
            engine.run(Map.of("input", x), Map.of("output", y));
            try (Binding binding = engine.bind(Map.of("input", x))) {
                binding.run();
                binding.run();
            }
            assertThat(engine.stats().counter("logged.calls")).isEqualTo(4);
            assertThat(engine.stats().counter("logged.slowCalls")).isEqualTo(4);
        }
    }

    @Test
    void callsUnderTheThresholdAreCountedButNotLogged() {
        try (InferenceEngine engine = build(Duration.ofHours(1));
             Tensor x = Tensor.allocate(ElementType.FLOAT32, 1, 16);
             Outputs out = engine.run(Map.of("input", x))) {
            assertThat(out.get("output").shape().dim(1)).isEqualTo(4);
            assertThat(engine.stats().counter("logged.calls")).isEqualTo(1);
            assertThat(engine.stats().counter("logged.slowCalls")).isZero();
        }
    }

    @Test
    void aCallThatFailsIsNotCounted() {
        try (InferenceEngine engine = build(Duration.ZERO); Tensor wrong = Tensor.allocate(ElementType.FLOAT32, 1, 15)) {
            assertThatThrownBy(() -> engine.run(Map.of("input", wrong))).hasMessageContaining("expected 16");
            assertThat(engine.stats().counter("logged.calls")).isZero();
        }
    }

    @Test
    void aNegativeThresholdIsRefused() {
        assertThatThrownBy(() -> new SlowCallThreshold(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zero or more");
    }

    private static InferenceEngine build(Duration threshold) {
        return InferenceEngine.builder().model(MLP).backend("logged-ort-cpu").settings(new SlowCallThreshold(threshold)).build();
    }
}
