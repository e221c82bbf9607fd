package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.Selection.Candidate;
import org.infer4j.Selection.Outcome;
import org.infer4j.spi.AbstractInferenceEngine;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Choosing a backend by measurement, with fake backends whose speed, correctness and failures are
 * scripted: each computes {@code y = 2x + offset} for a FLOAT32 {@code x} of shape [?, 2], after
 * sleeping a fixed time per run. The reference computes the right answer at once.
 */
class AutoSelectionTest {

    @TempDir
    Path cacheDir;

    /** A backend with scripted behaviour that counts its builds. */
    static final class Scripted implements BackendProvider {
        final String name;
        final int priority;
        long sleepMillisPerRun;
        long sleepMillisPerBuild;
        float offset;
        RuntimeException buildFailure;
        RuntimeException runFailure;
        Availability availability = Availability.available("in this test");
        final AtomicInteger builds = new AtomicInteger();
        final List<Precision> precisions = new ArrayList<>();

        Scripted(String name, int priority) {
            this.name = name;
            this.priority = priority;
        }

        Scripted sleepingPerRun(long millis) {
            this.sleepMillisPerRun = millis;
            return this;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public String description() {
            return "scripted fake " + name;
        }

        @Override
        public Availability availability() {
            return availability;
        }

        @Override
        public synchronized InferenceEngine create(EngineConfig config) {
            builds.incrementAndGet();
            precisions.add(config.precision());
            sleep(sleepMillisPerBuild);
            if (buildFailure != null) {
                throw buildFailure;
            }
            return new ScriptedEngine(this);
        }
    }

    static final class ScriptedEngine extends AbstractInferenceEngine {
        private final Scripted script;

        ScriptedEngine(Scripted script) {
            super(script.name, "scripted", List.of(new TensorInfo("x", ElementType.FLOAT32, Shape.of(-1, 2))),
                    List.of(new TensorInfo("y", ElementType.FLOAT32, Shape.of(-1, 2))));
            this.script = script;
        }

        @Override
        protected Outputs execute(Map<String, ? extends Tensor> inputs) {
            Tensor y = Tensor.allocate(ElementType.FLOAT32, inputs.get("x").shape().toArray());
            executeInto(inputs, Map.of("y", y));
            return Outputs.of(Map.of("y", y));
        }

        @Override
        protected void executeInto(Map<String, ? extends Tensor> inputs, Map<String, ? extends Tensor> outputs) {
            if (script.runFailure != null) {
                throw script.runFailure;
            }
            sleep(script.sleepMillisPerRun);
            float[] x = inputs.get("x").toFloatArray();
            for (int i = 0; i < x.length; i++) {
                x[i] = 2 * x[i] + script.offset;
            }
            outputs.get("y").buffer().asFloatBuffer().put(x);
        }

        @Override
        protected void release() {
        }
    }

    private static void sleep(long millis) {
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final Scripted reference = new Scripted("ref", 1);

    private AutoSelection.Builder options() {
        return AutoSelection.builder().reference("ref").runs(1, 3).cacheDirectory(cacheDir);
    }

    private EngineBuilder builder(AutoSelection options, BackendProvider... others) {
        List<BackendProvider> all = new ArrayList<>(List.of(others));
        all.add(reference);
        return InferenceEngine.builder().model(new byte[] {1}).backends(Backends.of(all.toArray(BackendProvider[]::new)))
                .autoSelection(options);
    }

    private static Candidate row(Selection s, String backend) {
        return s.candidates().stream().filter(c -> c.backend().equals(backend)).findFirst().orElseThrow();
    }

    @Test
    void picksTheFastestCandidateWhoseOutputsMatchTheReference() {
        Scripted slow = new Scripted("slow", 900).sleepingPerRun(20);
        Scripted fast = new Scripted("fast", 100);

        try (InferenceEngine engine = builder(options().candidates("slow", "fast").build(), slow, fast).build()) {
            assertThat(engine.backend()).isEqualTo("fast");
        }
        Selection s = builder(options().candidates("slow", "fast").cache(false).build(), slow, fast).select();
        assertThat(s.backend()).isEqualTo("fast");
        assertThat(s.fromCache()).isFalse();
        assertThat(s.candidates()).extracting(Candidate::backend).containsExactly("slow", "fast");
        assertThat(s.candidates()).extracting(Candidate::outcome).containsOnly(Outcome.MEASURED);
        assertThat(row(s, "slow").p50Micros()).isGreaterThan(row(s, "fast").p50Micros());
        assertThat(s.chosen().difference()).isZero();
        assertThat(s.table()).contains("* fast", "MEASURED");
    }

    @Test
    void byThroughputTheCandidateThatCompletesTheMostRunsWins() {
        Scripted slow = new Scripted("slow", 900).sleepingPerRun(20);
        Scripted fast = new Scripted("fast", 100);

        Selection s = builder(options().metric(AutoSelection.Metric.THROUGHPUT).concurrency(2).candidates("slow", "fast")
                .build(), slow, fast).select();

        assertThat(s.backend()).isEqualTo("fast");
        assertThat(s.metric()).isEqualTo(AutoSelection.Metric.THROUGHPUT);
        assertThat(row(s, "fast").runsPerSecond()).isGreaterThan(row(s, "slow").runsPerSecond());
    }

    @Test
    void aCandidateWhoseOutputsDifferFromTheReferenceIsExcludedHoweverFast() {
        Scripted wrong = new Scripted("wrong", 900);
        wrong.offset = 0.01f;
        Scripted slow = new Scripted("slow", 100).sleepingPerRun(5);

        Selection s = builder(options().candidates("wrong", "slow").build(), wrong, slow).select();

        assertThat(s.backend()).isEqualTo("slow");
        Candidate excluded = row(s, "wrong");
        assertThat(excluded.outcome()).isEqualTo(Outcome.PARITY_FAILED);
        assertThat(excluded.note()).contains("output 'y' differs by").contains("over the tolerance 1e-04");
        assertThat(excluded.difference()).isGreaterThan(AutoSelection.FP32_TOLERANCE);
    }

    @Test
    void aLargerToleranceLetsADifferenceThrough() {
        Scripted close = new Scripted("close", 900);
        close.offset = 0.001f;

        Selection s = builder(options().candidates("close").tolerance(0.01).build(), close).select();

        assertThat(s.backend()).isEqualTo("close");
        assertThat(s.chosen().difference()).isBetween(1e-4, 1e-2);
    }

    @Test
    void candidatesThatThrowAtBuildOrRunAreExcludedWithTheirReason() {
        Scripted brokenBuild = new Scripted("broken-build", 900);
        brokenBuild.buildFailure = new ModelLoadException("cannot parse node 7");
        Scripted brokenRun = new Scripted("broken-run", 800);
        brokenRun.runFailure = new InferenceException("device lost");
        Scripted missing = new Scripted("missing", 700);
        missing.availability = Availability.unavailable("libmissing.so.1 not found", "install it");
        Scripted works = new Scripted("works", 100);
        reference.sleepMillisPerRun = 10;

        Selection s = builder(options().build(), brokenBuild, brokenRun, missing, works).select();

        assertThat(s.backend()).isEqualTo("works");
        assertThat(row(s, "broken-build")).satisfies(c -> {
            assertThat(c.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(c.note()).isEqualTo("build: ModelLoadException: cannot parse node 7");
        });
        assertThat(row(s, "broken-run")).satisfies(c -> {
            assertThat(c.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(c.note()).isEqualTo("run: InferenceException: device lost");
        });
        assertThat(row(s, "missing")).satisfies(c -> {
            assertThat(c.outcome()).isEqualTo(Outcome.UNAVAILABLE);
            assertThat(c.note()).isEqualTo("libmissing.so.1 not found");
        });
        assertThat(missing.builds).hasValue(0);
        assertThat(s.candidates()).extracting(Candidate::backend).as("every backend, by priority")
                .containsExactly("broken-build", "broken-run", "missing", "works", "ref");
    }

    @Test
    void whenNoCandidateQualifiesATypedExceptionNamesEachWithItsReason() {
        Scripted brokenBuild = new Scripted("broken-build", 900);
        brokenBuild.buildFailure = new ModelLoadException("cannot parse node 7");
        Scripted wrong = new Scripted("wrong", 800);
        wrong.offset = 1;

        assertThatThrownBy(() -> builder(options().candidates("broken-build", "wrong", "nonesuch").build(), brokenBuild, wrong)
                .build())
                .isInstanceOfSatisfying(SelectionFailedException.class, e -> {
                    assertThat(e).isInstanceOf(BackendUnavailableException.class);
                    assertThat(e.getMessage()).startsWith("no backend qualified for <1 model bytes> (FP32)")
                            .contains("broken-build", "cannot parse node 7", "wrong", "PARITY_FAILED", "nonesuch",
                                    "no backend named 'nonesuch'");
                    assertThat(e.candidates()).extracting(Candidate::outcome)
                            .containsExactly(Outcome.FAILED, Outcome.PARITY_FAILED, Outcome.UNAVAILABLE);
                });
    }

    @Test
    void whenTheBudgetRunsOutItDecidesAmongThoseMeasuredAndSaysSo() {
        Scripted slowToBuild = new Scripted("slow-to-build", 900);
        slowToBuild.sleepMillisPerBuild = 1_200;
        Scripted neverReached = new Scripted("never-reached", 800);

        Selection s = builder(options().budget(Duration.ofSeconds(1)).candidates("slow-to-build", "never-reached").build(),
                slowToBuild, neverReached).select();

        assertThat(s.backend()).isEqualTo("slow-to-build");
        assertThat(s.budgetExhausted()).isTrue();
        assertThat(s.chosen().note()).isEqualTo("1 of 3 timed runs: the time budget ran out");
        assertThat(row(s, "never-reached").outcome()).isEqualTo(Outcome.NOT_MEASURED);
        assertThat(row(s, "never-reached").note()).isEqualTo("the time budget of 1 s was spent");
        assertThat(neverReached.builds).hasValue(0);
    }

    @Test
    void aLaterStartTakesTheCachedDecisionWithoutMeasuring() {
        Scripted slow = new Scripted("slow", 900).sleepingPerRun(5);
        Scripted fast = new Scripted("fast", 100);
        AutoSelection options = options().candidates("slow", "fast").build();

        Selection first = builder(options, slow, fast).select();
        try (InferenceEngine engine = builder(options, slow, fast).build()) {
            assertThat(engine.backend()).isEqualTo("fast");
        }
        Selection again = builder(options, slow, fast).select();

        assertThat(first.fromCache()).isFalse();
        assertThat(first.cacheFile()).isNotNull().exists();
        assertThat(again.fromCache()).isTrue();
        assertThat(again.backend()).isEqualTo("fast");
        assertThat(again.candidates()).isEqualTo(first.candidates());
        assertThat(slow.builds).as("measured once").hasValue(1);
        assertThat(reference.builds).as("the reference too").hasValue(1);
        assertThat(fast.builds).as("measured once, then built for the engine").hasValue(2);
    }

    @Test
    void anotherModelOrOtherShapesAreMeasuredAnew() {
        Scripted fast = new Scripted("fast", 100);
        AutoSelection options = options().candidates("fast").build();

        Selection first = builder(options, fast).select();
        builder(options, fast).select();
        assertThat(fast.builds).hasValue(1);

        Selection otherShapes = builder(options, fast).shapeRange("x", ShapeRange.fixed(4, 2)).select();
        assertThat(otherShapes.fromCache()).isFalse();
        assertThat(fast.builds).hasValue(2);

        Selection otherModel = builder(options, fast).model(new byte[] {2}).select();
        assertThat(otherModel.fromCache()).isFalse();
        assertThat(fast.builds).hasValue(3);

        Selection otherPrecision = builder(options, fast).precision(Precision.FP16).select();
        assertThat(otherPrecision.fromCache()).isFalse();
        assertThat(List.of(first.cacheFile(), otherShapes.cacheFile(), otherModel.cacheFile(), otherPrecision.cacheFile()))
                .doesNotHaveDuplicates();
    }

    @Test
    void anUnreadableCacheFileIsMeasuredAgainAndReplaced() throws IOException {
        Scripted fast = new Scripted("fast", 100);
        AutoSelection options = options().candidates("fast").build();
        Path file = builder(options, fast).select().cacheFile();
        assertThat(file).isNotNull();

        Files.writeString(file, "format=1\nkey=garbage\u0000\ncandidates=x\n");
        Selection remeasured = builder(options, fast).select();
        assertThat(remeasured.fromCache()).isFalse();
        assertThat(fast.builds).hasValue(2);

        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
        assertThat(builder(options, fast).select().fromCache()).isFalse();
        assertThat(fast.builds).hasValue(3);

        assertThat(builder(options, fast).select().fromCache()).as("the replacement is whole").isTrue();
        assertThat(fast.builds).hasValue(3);
    }

    @Test
    void aCachedWinnerThatNoLongerBuildsIsMeasuredAgain() {
        Scripted slow = new Scripted("slow", 900).sleepingPerRun(5);
        Scripted fast = new Scripted("fast", 100);
        AutoSelection options = options().candidates("slow", "fast").build();
        assertThat(builder(options, slow, fast).select().backend()).isEqualTo("fast");

        fast.buildFailure = new ModelLoadException("the engine file was deleted");
        try (InferenceEngine engine = builder(options, slow, fast).build()) {
            assertThat(engine.backend()).isEqualTo("slow");
        }
        assertThat(slow.builds).as("measured again").hasValue(2);
        assertThat(builder(options, slow, fast).select().backend()).as("and the new decision kept").isEqualTo("slow");
    }

    @Test
    void aReferenceThatFailsLeavesNothingToCompareWith() {
        Scripted fast = new Scripted("fast", 100);
        reference.buildFailure = new ModelLoadException("unsupported operator");

        assertThatThrownBy(() -> builder(options().build(), fast).select())
                .isInstanceOfSatisfying(SelectionFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("the reference ref failed to build: ModelLoadException: "
                            + "unsupported operator");
                    assertThat(e.candidates()).extracting(Candidate::outcome)
                            .containsExactly(Outcome.NOT_MEASURED, Outcome.FAILED);
                });
        assertThat(fast.builds).hasValue(0);
    }

    @Test
    void concurrentStartsMeasureOnceAndTheOthersReadTheDecision() throws Exception {
        Scripted slow = new Scripted("slow", 900).sleepingPerRun(5);
        Scripted fast = new Scripted("fast", 100);
        AutoSelection options = options().candidates("slow", "fast").build();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Callable<Selection>> starts = List.of(() -> builder(options, slow, fast).select(),
                    () -> builder(options, slow, fast).select(), () -> builder(options, slow, fast).select());
            List<Selection> selections = new ArrayList<>();
            for (Future<Selection> f : pool.invokeAll(starts)) {
                selections.add(f.get());
            }
            assertThat(selections).extracting(Selection::backend).containsOnly("fast");
            assertThat(selections).filteredOn(Selection::fromCache).hasSize(2);
            assertThat(slow.builds).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theReferenceRunsAtFp32WhateverThePrecision() {
        Scripted fast = new Scripted("fast", 100);

        builder(options().candidates("fast").tolerance(0.02).build(), fast).precision(Precision.FP16).select();

        assertThat(reference.precisions).containsExactly(Precision.FP32);
        assertThat(fast.precisions).containsExactly(Precision.FP16);
    }

    @Test
    void aMissingOrUnavailableReferenceIsAnErrorThatSaysWhatToDo() {
        Scripted fast = new Scripted("fast", 100);
        AutoSelection options = options().reference("ort-cpu").build();
        assertThatThrownBy(() -> builder(options, fast).select()).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("the reference backend ort-cpu of the automatic choice is not on the class path")
                .hasMessageContaining("AutoSelection.builder().reference(");

        reference.availability = Availability.unavailable("libref.so.1 not found", "install libref");
        assertThatThrownBy(() -> builder(options().build(), fast).select()).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("the reference backend ref of the automatic choice cannot run here: libref.so.1 not "
                        + "found. To fix: install libref");
    }

    @Test
    void givenInputsAreUsedAndMustNameTheModelsInputs() {
        Scripted fast = new Scripted("fast", 100);
        try (Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2); Tensor z = Tensor.of(new float[] {1, 2}, 1, 2)) {
            Selection s = builder(options().candidates("fast").inputs(Map.of("x", x)).build(), fast).select();
            assertThat(s.backend()).isEqualTo("fast");

            assertThatThrownBy(() -> builder(options().inputs(Map.of("z", z)).build(), fast).select())
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("the inputs given to AutoSelection are [z], but the model's inputs are [x]");
        }
    }

    @Test
    void theNameAutoInCodeOrInTheSystemPropertyChoosesByMeasurement() {
        Scripted slow = new Scripted("slow", 900).sleepingPerRun(5);
        Scripted fast = new Scripted("fast", 100);
        AutoSelection options = options().candidates("slow", "fast").build();

        try (InferenceEngine byPriority = builder(options, slow, fast).automaticBackend().build()) {
            assertThat(byPriority.backend()).as("without the property, the priority list").isEqualTo("slow");
        }
        String before = System.getProperty(Backends.BACKEND_PROPERTY);
        System.setProperty(Backends.BACKEND_PROPERTY, "auto");
        try (InferenceEngine byProperty = builder(options, slow, fast).automaticBackend().build()) {
            assertThat(byProperty.backend()).isEqualTo("fast");
        } finally {
            if (before == null) {
                System.clearProperty(Backends.BACKEND_PROPERTY);
            } else {
                System.setProperty(Backends.BACKEND_PROPERTY, before);
            }
        }
        try (InferenceEngine named = builder(options, slow, fast).backend("auto").build()) {
            assertThat(named.backend()).isEqualTo("fast");
        }
    }

    @Test
    void optionsThatCanNeverBeRightAreRefused() {
        AutoSelection.Builder b = AutoSelection.builder();
        assertThatThrownBy(() -> b.budget(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.runs(-1, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.runs(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.concurrency(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.tolerance(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.tolerance(-1e-3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(b::candidates).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.reference(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theDefaultsArePerPrecisionTolerancesAndTheCacheUnderTheUsersCacheFolder() {
        AutoSelection d = AutoSelection.defaults();
        assertThat(d.metric()).isEqualTo(AutoSelection.Metric.P50_LATENCY);
        assertThat(d.reference()).isEqualTo("ort-cpu");
        assertThat(d.tolerance(Precision.FP32)).isEqualTo(1e-4);
        assertThat(d.tolerance(Precision.FP16)).isEqualTo(2e-2);
        assertThat(d.cache()).isTrue();
        assertThat(d.cacheDirectory()).endsWithRaw(Path.of("infer4j", "auto"));
    }
}
