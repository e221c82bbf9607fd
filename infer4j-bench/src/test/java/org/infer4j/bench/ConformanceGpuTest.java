package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.infer4j.Backends;
import org.infer4j.bench.internal.ConformanceTable;
import org.infer4j.spi.BackendProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The conformance run on the GPU backends: the zoo's tiny models ({@code models/zoo/tiny}) on
 * {@code ort-cuda}, {@code tensorrt} and {@code tensorrt+graphs} at FP32, each checked against
 * PyTorch's stored outputs. Skipped where those backends cannot run (CI has no GPU).
 *
 * <p>Every case must pass, or be {@code unsupported} with the upstream limit as its reason: a
 * {@code fail} on a GPU backend where ort-cpu passes ({@link ConformanceTest}) is a defect of ours.
 * The tiny zoo holds a small timm ViT whose attention is exported as
 * {@code scaled_dot_product_attention} without a mask, the pattern TensorRT's attention fusion
 * miscomputed before the tensorrt backend's parser rewrite.
 */
class ConformanceGpuTest {
    private static final Path TINY_ZOO = Path.of("..", "models", "zoo", "tiny");

    @Test
    void everyTinyZooModelMatchesPyTorchOnTheGpuBackendsOrIsUnsupportedWithAReason(@TempDir Path out) throws Exception {
        Backends backends = Backends.discover();
        for (String name : List.of("ort-cuda", "tensorrt")) {
            assumeTrue(backends.find(name).map(BackendProvider::availability).map(a -> a.isAvailable()).orElse(false),
                    () -> name + " cannot run here");
        }

        int exit = run("--zoo", TINY_ZOO.toString(), "--out", out.toString(), "--configs",
                "ort-cuda,tensorrt,tensorrt+graphs", "--precisions", "FP32");

        List<List<String>> rows = Files.readAllLines(out.resolve("conformance.csv")).stream().skip(1)
                .map(ConformanceTable::fields).toList();
        assertThat(rows).extracting(row -> row.get(1)).contains("ort-cuda", "tensorrt", "tensorrt+graphs");
        assertThat(rows).as("no case fails").noneSatisfy(row -> assertThat(row.get(4)).isEqualTo("fail"));
        assertThat(rows).filteredOn(row -> row.get(4).equals("unsupported"))
                .allSatisfy(row -> assertThat(row.get(8)).as(String.join(",", row)).isNotBlank());
        assertThat(exit).isZero();
    }

    private static int run(String... args) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        return new CommandLine(new Conformance(new PrintStream(console, true, StandardCharsets.UTF_8))).execute(args);
    }
}
