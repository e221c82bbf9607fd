package org.infer4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.infer4j.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GraphBenchTest {
    @TempDir
    Path out;

    @Test
    void helpNamesTheModesAndOptions() {
        CommandLine cl = new CommandLine(new GraphBench());
        assertThat(cl.getUsageMessage()).contains("--model").contains("--gpu-runs").contains("device-resident");
    }

    @Test
    void withoutTensorRtTheModelFailsAndItsJsonSaysWhy() throws Exception {
        assumeFalse(Backends.discover().find("tensorrt").orElseThrow().availability().isAvailable(), "tensorrt runs here");
        Path model = Path.of("../models/mlp_tiny.onnx");
        int status = new CommandLine(new GraphBench()).execute("-m", model.toString(), "--out", out.toString(), "--warmup", "1",
                "-n", "1");
        assertThat(status).isEqualTo(1);
        String json = Files.readString(out.resolve("mlp_tiny-graphs.json"));
        assertThat(json).contains("\"model\" : \"mlp_tiny\"").contains("\"error\"").contains("tensorrt")
                .contains("\"smClockSampling\"");
    }
}
