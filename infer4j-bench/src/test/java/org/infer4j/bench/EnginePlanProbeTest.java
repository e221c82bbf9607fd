package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.tensorrt.TensorRtSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EnginePlanProbeTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int probe(String... args) {
        CommandLine cl = new CommandLine(new EnginePlanProbe()).setCaseInsensitiveEnumValuesAllowed(true); // as main does
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static boolean tensorRtRunsHere() {
        return Backends.discover().find("tensorrt").orElseThrow().availability().isAvailable();
    }

    @Test
    void withoutAPlanItIsAUsageError() {
        assertThat(probe()).isEqualTo(2);
        assertThat(err.toString()).contains("PLAN");
    }

    @Test
    void noTimedRunsIsAUsageErrorNamingTheOption() {
        assertThat(probe("--runs", "0", dir.resolve("any.engine").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--runs must be >= 1");
    }

    @Test
    void inputsAreRandomOrZerosAndAnythingElseIsAUsageErrorListingBoth() {
        assertThat(probe("--inputs", "ones", dir.resolve("any.engine").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--inputs").contains("RANDOM").contains("ZEROS");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--placements", "--recreate", "--streams"})
    void extraGraphMeasurementsNeedGraphAndMayNotBeNegative(String option) {
        assertThat(probe(option, "2", dir.resolve("any.engine").toString())).isEqualTo(2);
        assertThat(err.toString()).contains(option).contains("needs --graph");
        assertThat(probe("--graph", option, "-1", dir.resolve("any.engine").toString())).isEqualTo(2);
        assertThat(err.toString()).contains(option + " must be >= 0").contains("not -1");
    }

    @Test
    void withoutTensorRtItSaysSoAndWhereToLookAndFails() {
        assumeFalse(tensorRtRunsHere(), "tensorrt runs here");
        assertThat(probe(dir.resolve("any.engine").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("TensorRT cannot be loaded here").contains("org.infer4j.Backends");
    }

    @Test
    void aFileThatIsNoPlanIsReportedByNameAndTheProbeFails() throws Exception {
        assumeTrue(tensorRtRunsHere(), "needs TensorRT");
        Path notAPlan = Files.write(dir.resolve("random.engine"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThat(probe(notAPlan.toString(), dir.resolve("missing.engine").toString())).isEqualTo(1);
        assertThat(out.toString()).contains("random.engine").contains("could not deserialise")
                .contains("missing.engine").contains("FAILED");
    }

    @Test
    void withGraphItTimesTheBareReplayOfTheBackendsCachedEngine() throws Exception {
        assumeTrue(tensorRtRunsHere(), "needs TensorRT");
        Path cache = dir.resolve("cache");
        // Maven runs tests in the module's directory, the GPU machine's JUnit console in the repository's
        Path model = Stream.of("../models", "models").map(d -> Path.of(d, "mlp_tiny.onnx")).filter(Files::exists).findFirst()
                .orElseThrow();
        try (InferenceEngine built = InferenceEngine.builder().backend("tensorrt").model(model)
                .settings(TensorRtSettings.builder().cacheDirectory(cache).build()).build()) {
            assertThat(built.backend()).isEqualTo("tensorrt");
        }
        Path engine;
        try (Stream<Path> files = Files.list(cache)) {
            engine = files.filter(f -> f.toString().endsWith(".engine")).findFirst().orElseThrow();
        }
        assertThat(probe("--graph", "--inputs", "random,zeros", "--placements", "2", "--recreate", "2", "--streams", "2", "--warmup", "20", "--runs", "200",
                engine.toString())).isZero();
        assertThat(out.toString()).contains("infer4j graph replay, random inputs: nodes ")
                .contains("infer4j graph replay, zeros inputs: nodes ")
                .containsPattern("infer4j +random +kNONE")
                .containsPattern("infer4j +zeros +kNONE")
                .containsPattern("replay\\+sync p50 [0-9.]+ p99 [0-9.]+ \\(p99/p50 [0-9.]+\\), its launch p50 [0-9.]+")
                .containsPattern("replay\\+query p50 [0-9.]+ p99 [0-9.]+")
                .containsPattern("one replay's GPU time p50 [0-9.]+ p99 [0-9.]+")
                .containsPattern("placement 1: .*@0x[0-9a-f]+.*: first context GPU [0-9.]+ µs/replay, a context made after "
                        + "them GPU [0-9.]+ µs/replay")
                .contains("placement 2: ")
                .containsPattern("recreate 1, after 0 destroyed: a new context GPU [0-9.]+ µs/replay, the first context GPU "
                        + "[0-9.]+ µs/replay")
                .contains("recreate 2, after 1 destroyed: ")
                .containsPattern("stream 2: the first context GPU [0-9.]+ µs/replay after a memset ran on it, [0-9.]+ after "
                        + "the first context ran on it, [0-9.]+ after a new context ran on it; the new context on it GPU "
                        + "[0-9.]+ µs/replay")
                .contains("stream 3: ")
                .doesNotContain("FAILED");
    }
}
