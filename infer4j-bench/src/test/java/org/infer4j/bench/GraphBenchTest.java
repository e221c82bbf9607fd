package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.infer4j.Backends;
import org.infer4j.tensorrt.TensorRtSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GraphBenchTest {
    @TempDir
    Path out;

    @Test
    void helpNamesTheModesAndOptions() {
        CommandLine cl = new CommandLine(new GraphBench());
        assertThat(cl.getUsageMessage()).contains("--model").contains("--gpu-runs").contains("--modes").contains("--keep-bindings")
                .contains("device-resident");
    }

    @Test
    void zeroCopyLimitsAreBytesOrTheirThreeNames() {
        GraphBench.ZeroCopyLimitConverter limits = new GraphBench.ZeroCopyLimitConverter();
        assertThat(limits.convert("default")).isEqualTo(TensorRtSettings.DEFAULT_ZERO_COPY_LIMIT);
        assertThat(limits.convert("copy")).isZero();
        assertThat(limits.convert("MAX")).isEqualTo(Long.MAX_VALUE);
        assertThat(limits.convert(" 4096")).isEqualTo(4096);
        assertThatThrownBy(() -> limits.convert("-1")).isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("not '-1'");
        assertThatThrownBy(() -> limits.convert("16k")).hasMessageContaining("bytes (>= 0), 'default', 'copy' or 'max'");
        assertThat(new CommandLine(new GraphBench()).execute("-m", "x.onnx", "--zero-copy-limits", "0,lots"))
                .as("a usage error").isEqualTo(2);
    }

    @Test
    void modesAreHostArraysAndTheThreeWaysToPlaceIoInGpuMemory() {
        GraphBench.ModeConverter modes = new GraphBench.ModeConverter();
        assertThat(modes.convert("host")).isEqualTo("host");
        assertThat(modes.convert("device")).isEqualTo("device");
        assertThat(modes.convert(" Device-In")).isEqualTo("device-in");
        assertThat(modes.convert("device-out")).isEqualTo("device-out");
        assertThatThrownBy(() -> modes.convert("pinned")).isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("[host, device, device-in, device-out]").hasMessageContaining("not 'pinned'");
        assertThat(new CommandLine(new GraphBench()).execute("-m", "x.onnx", "--modes", "device,pinned"))
                .as("a usage error").isEqualTo(2);
    }

    @Test
    void clockSamplingIsOffOrNoFasterThanTheSamplersFloor() {
        assertThat(new CommandLine(new GraphBench()).execute("-m", "x.onnx", "--clock-sampling-ms", "5")).as("a usage error")
                .isEqualTo(2);
        assertThat(new CommandLine(new GraphBench()).execute("-m", "x.onnx", "--clock-sampling-ms", "-1")).as("a usage error")
                .isEqualTo(2);
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
                .contains("\"smClockSampling\"").contains("\"keepBindings\" : false");
        assertThat(new CommandLine(new GraphBench()).execute("-m", model.toString(), "--out", out.toString(), "--warmup", "1",
                "-n", "1", "--clock-sampling-ms", "0")).isEqualTo(1);
        assertThat(Files.readString(out.resolve("mlp_tiny-graphs.json"))).contains("\"smClockSampling\" : \"off\"");
    }
}
