package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The throughput bench runs every case end to end on ort-cpu; what it measures matters only on the GPU machine. */
class ThroughputBenchTest {
    @TempDir
    Path dir;

    @Test
    void runsEveryCaseAndWritesOneCsvLineEach() throws Exception {
        Path csv = dir.resolve("throughput.csv");
        int exit = new CommandLine(new ThroughputBench()).setCaseInsensitiveEnumValuesAllowed(true).execute(
                "-m", Path.of("..", "models", "mlp_tiny.onnx").toString(), "--backend", "ort-cpu", "--precision", "fp32",
                "--batch", "4", "--in-flight", "1,2", "--callers", "3", "--max-batch", "4", "--max-queue-delay-us", "500",
                "--rates", "200", "--seconds", "1", "--warmup-seconds", "0", "--csv", csv.toString());
        assertThat(exit).isZero();
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).startsWith("model,backend,precision,graphs,mode,case,concurrency,samples_per_s");
        assertThat(lines.subList(1, lines.size())).extracting(l -> l.split(",")[5] + "/" + l.split(",")[6]).containsExactly(
                "sync run/1", "runAsync/1", "runAsync/2", "unbatched/3", "dynamic batching/3", "open loop at 200/s/200");
    }
}
