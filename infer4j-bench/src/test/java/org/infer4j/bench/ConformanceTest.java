package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.infer4j.bench.internal.ConformanceTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The conformance run on CPU: the zoo's tiny models ({@code models/zoo/tiny}, exported with
 * PyTorch's outputs by {@code models/zoo/zoo.py}) on ort-cpu, each checked against PyTorch.
 */
class ConformanceTest {
    private static final Path TINY_ZOO = Path.of("..", "models", "zoo", "tiny");

    @Test
    void everyTinyZooModelMatchesPyTorchOnOrtCpu(@TempDir Path out) throws Exception {
        int exit = run("--zoo", TINY_ZOO.toString(), "--out", out.toString(), "--configs", "ort-cpu");

        assertThat(exit).isZero();
        List<String> lines = Files.readAllLines(out.resolve("conformance.csv"));
        assertThat(lines.get(0)).isEqualTo(Conformance.CSV_HEADER);
        List<List<String>> rows = lines.subList(1, lines.size()).stream().map(ConformanceTable::fields).toList();
        assertThat(rows).as("two recorded shapes for each of the 31 tiny models").hasSize(62);
        assertThat(rows).allSatisfy(row -> assertThat(row.get(4)).as(String.join(",", row)).isEqualTo("pass"));
        assertThat(rows).extracting(row -> row.get(0)).contains("bert", "gpt2", "lstm", "nonzero", "nms", "multi_io",
                "fp16_mlp", "zero_size", "scalar_output", "mlp_opset13", "mlp_opset18");
        assertThat(Files.readString(out.resolve("conformance.md"))).contains("| ort-cpu | FP32 | 62 | 0 | 0 | 100.0 % |");
    }

    @Test
    void wrongReferenceValuesAreFailuresWithTheirSizeAndAResumedRunSkipsDoneCases(@TempDir Path tmp) throws Exception {
        Path zoo = tmp.resolve("zoo");
        Path model = zoo.resolve("lstm");
        Files.createDirectories(model);
        Files.copy(TINY_ZOO.resolve("lstm.onnx"), zoo.resolve("lstm.onnx"));
        for (String shape : List.of("a", "b")) {
            Path dir = Files.createDirectories(model.resolve(shape));
            Files.copy(TINY_ZOO.resolve("lstm").resolve(shape).resolve("files.txt"), dir.resolve("files.txt"));
            for (String file : Files.readAllLines(TINY_ZOO.resolve("lstm").resolve(shape).resolve("files.txt"))) {
                Files.copy(TINY_ZOO.resolve("lstm").resolve(shape).resolve(file), dir.resolve(file));
            }
        }
        byte[] npy = Files.readAllBytes(model.resolve("b").resolve("output.output.npy"));
        npy[npy.length - 2] ^= 0x40; // a high bit of the last float's exponent: a far wrong value
        Files.write(model.resolve("b").resolve("output.output.npy"), npy);
        Files.writeString(zoo.resolve("index.json"), "{\"models\": [{\"name\": \"lstm\", \"onnx\": \"lstm.onnx\", "
                + "\"status\": \"ok\", \"shapes\": {\"a\": {}, \"b\": {}}}, {\"name\": \"broken\", \"status\": \"error\", "
                + "\"error\": \"not exported\"}]}");
        Path out = tmp.resolve("out");

        assertThat(run("--zoo", zoo.toString(), "--out", out.toString(), "--configs", "ort-cpu")).isZero();
        assertThat(run("--zoo", zoo.toString(), "--out", out.toString(), "--configs", "ort-cpu", "--resume")).isZero();

        List<List<String>> rows = Files.readAllLines(out.resolve("conformance.csv")).stream().skip(1)
                .map(ConformanceTable::fields).toList();
        assertThat(rows).as("the resumed run added no row").hasSize(2);
        assertThat(rows.get(0).get(4)).isEqualTo("pass");
        assertThat(rows.get(1).get(4)).isEqualTo("fail");
        assertThat(rows.get(1).get(8)).contains("output 'output' differs by up to");
    }

    private static int run(String... args) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        return new CommandLine(new Conformance(new PrintStream(console, true, StandardCharsets.UTF_8))).execute(args);
    }
}
