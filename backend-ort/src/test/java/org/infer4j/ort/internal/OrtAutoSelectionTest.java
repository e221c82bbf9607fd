package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.AutoSelection;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Selection;
import org.infer4j.Selection.Candidate;
import org.infer4j.Selection.Outcome;
import org.infer4j.Tensor;
import org.infer4j.contract.ReferenceModel;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The choice by measurement over the ONNX Runtime backends, on whatever this machine has (ort-cpu at least). */
class OrtAutoSelectionTest {

    @TempDir
    Path cacheDir;

    /** A real provider that counts the engines it builds. */
    static final class Counting implements BackendProvider {
        final BackendProvider real;
        final AtomicInteger builds = new AtomicInteger();

        Counting(BackendProvider real) {
            this.real = real;
        }

        @Override
        public String name() {
            return real.name();
        }

        @Override
        public int priority() {
            return real.priority();
        }

        @Override
        public String description() {
            return real.description();
        }

        @Override
        public Availability availability() {
            return real.availability();
        }

        @Override
        public InferenceEngine create(EngineConfig config) {
            builds.incrementAndGet();
            return real.create(config);
        }
    }

    private final Counting cpu = new Counting(new OrtCpuProvider());
    private final Counting cuda = new Counting(new OrtCudaProvider());
    private final Counting tensorRt = new Counting(new OrtTensorRtProvider());

    @BeforeEach
    void onnxRuntimeLoads() {
        assumeTrue(OrtNative.runtime().isAvailable(), "ONNX Runtime does not load here");
    }

    private EngineBuilder builder(String model) {
        return InferenceEngine.builder().model(ReferenceModel.named(model).onnxBytes()).backends(Backends.of(cpu, cuda, tensorRt))
                .autoSelection(AutoSelection.builder().runs(2, 10).cacheDirectory(cacheDir).build());
    }

    @Test
    void measuresEveryAvailableBackendAgainstOrtCpuAndBuildsTheWinner() {
        Selection s = builder("mlp_tiny").select();

        assertThat(s.candidates()).extracting(Candidate::backend).containsExactly("ort-tensorrt", "ort-cuda", "ort-cpu");
        Candidate cpuRow = s.candidates().get(2);
        assertThat(cpuRow.outcome()).isEqualTo(Outcome.MEASURED);
        assertThat(cpuRow.difference()).as("the reference against itself").isZero();
        assertThat(cpuRow.p50Micros()).isPositive();
        assertThat(cpuRow.runsPerSecond()).isPositive();
        for (Candidate c : s.candidates()) {
            assertThat(c.outcome() == Outcome.MEASURED || !c.note().isEmpty()).as("%s says why it was left out", c).isTrue();
        }
        Map<String, Tensor> inputs = ReferenceModel.named("mlp_tiny").inputs();
        try (InferenceEngine engine = builder("mlp_tiny").build(); Outputs out = engine.run(inputs)) {
            assertThat(engine.backend()).isEqualTo(s.backend());
            assertThat(out.names()).isNotEmpty();
        } finally {
            inputs.values().forEach(Tensor::close);
        }
    }

    @Test
    void theSecondStartBuildsOnlyTheChosenBackendAndAnotherModelIsMeasuredAnew() {
        Selection first = builder("mlp_tiny").select();
        int cpuBuildsAfterMeasuring = cpu.builds.get();

        Selection again = builder("mlp_tiny").select();
        assertThat(again.fromCache()).isTrue();
        assertThat(again.backend()).isEqualTo(first.backend());
        assertThat(cpu.builds).as("nothing built to recall a decision").hasValue(cpuBuildsAfterMeasuring);

        Selection otherModel = builder("cnn_tiny").select();
        assertThat(otherModel.fromCache()).isFalse();
        assertThat(otherModel.cacheFile()).isNotEqualTo(first.cacheFile());
        assertThat(cpu.builds.get()).isGreaterThan(cpuBuildsAfterMeasuring);
    }
}
