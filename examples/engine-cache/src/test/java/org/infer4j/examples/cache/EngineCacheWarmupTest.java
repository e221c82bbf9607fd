package org.infer4j.examples.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.infer4j.Backends;
import org.infer4j.InvalidInputException;
import org.infer4j.examples.cache.EngineCacheWarmup.Outcome;
import org.infer4j.examples.cache.EngineCacheWarmup.Report;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Warm, then start, on the shipped MLP (input [batch, 16]). On the CPU only what ort-cpu does can be checked: it keeps
 * no engines and writes nothing. The TensorRT backends run where a GPU is (and skip elsewhere): warm writes the
 * engine, start writes nothing.
 */
class EngineCacheWarmupTest {
    /** Maven names the models folder; the GPU machine's JUnit console runs from the repository root. */
    static final Path MLP = Path.of(System.getProperty("models.dir", "models"), "mlp_tiny.onnx");
    static final Map<String, List<long[]>> BATCH_1_AND_8 = EngineCacheWarmup.declaredShapes("input=1x16,8x16");

    @Test
    void ortCpuKeepsNoEnginesSoWarmAndStartWriteNothing(@TempDir Path cache) throws IOException {
        Report warm = EngineCacheWarmup.start(MLP, cache, "ort-cpu", BATCH_1_AND_8);
        Report start = EngineCacheWarmup.start(MLP, cache, "ort-cpu", BATCH_1_AND_8);
        for (Report report : List.of(warm, start)) {
            assertThat(report.outcome()).isEqualTo(Outcome.NOTHING_TO_CACHE);
            assertThat(report.written()).isEmpty();
            assertThat(report.shapesRun()).isEqualTo(2);
        }
        assertThat(filesIn(cache)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tensorrt", "ort-tensorrt"})
    void onTheGpuWarmWritesTheEnginesAndStartBuildsNothing(String backend, @TempDir Path cache) throws IOException {
        assumeTrue(Backends.discover().find(backend).map(b -> b.availability().isAvailable()).orElse(false),
                backend + " cannot run here");
        Report warm = EngineCacheWarmup.start(MLP, cache, backend, BATCH_1_AND_8);
        assertThat(warm.outcome()).isEqualTo(Outcome.BUILT);
        assertThat(warm.written()).isNotEmpty().allSatisfy(file -> assertThat(filesIn(cache)).contains(file));
        if (backend.equals("tensorrt")) {
            assertThat(warm.written()).anySatisfy(file -> assertThat(file).endsWith(".engine"));
        }

        Report start = EngineCacheWarmup.start(MLP, cache, backend, BATCH_1_AND_8);
        assertThat(start.outcome()).isEqualTo(Outcome.STARTED_FROM_CACHE);
        assertThat(start.written()).isEmpty();
        assertThat(start.shapesRun()).isEqualTo(2);
    }

    @Test
    void readsEachInputsShapesInOrder() {
        Map<String, List<long[]>> shapes = EngineCacheWarmup.declaredShapes("input_ids=1x16,8x128", "attention_mask=1x16,8x128");
        assertThat(shapes).containsOnlyKeys("input_ids", "attention_mask");
        assertThat(shapes.get("input_ids")).containsExactly(new long[] {1, 16}, new long[] {8, 128});
    }

    @Test
    void refusesDeclarationsItCannotRead() {
        assertThatThrownBy(() -> EngineCacheWarmup.declaredShapes("input")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("INPUT=1x16,8x16");
        assertThatThrownBy(() -> EngineCacheWarmup.declaredShapes("input=1x16,8x16x2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ in rank");
        assertThatThrownBy(() -> EngineCacheWarmup.declaredShapes("input=1xmany")).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void inputsWithDifferentNumbersOfShapesAreRefused(@TempDir Path cache) {
        Map<String, List<long[]>> uneven = EngineCacheWarmup.declaredShapes("input_ids=1x16,8x16", "attention_mask=1x16");
        assertThatThrownBy(() -> EngineCacheWarmup.start(MLP, cache, "ort-cpu", uneven))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attention_mask has 1");
    }

    @Test
    void aShapeTheModelCannotTakeIsAnInvalidInputNamingIt(@TempDir Path cache) {
        Map<String, List<long[]>> wrong = EngineCacheWarmup.declaredShapes("input=1x15");
        assertThatThrownBy(() -> EngineCacheWarmup.start(MLP, cache, "ort-cpu", wrong))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("input");
    }

    private static List<String> filesIn(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
