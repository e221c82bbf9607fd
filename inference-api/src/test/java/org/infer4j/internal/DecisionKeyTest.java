package org.infer4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.infer4j.AutoSelection;
import org.infer4j.Precision;
import org.infer4j.ShapeRange;
import org.infer4j.spi.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a cached decision is keyed by. */
class DecisionKeyTest {

    private static EngineConfig config(byte[] model, Precision precision, Map<String, ShapeRange> ranges) {
        return new EngineConfig(null, model, 0, precision, ranges, List.of(), Map.of());
    }

    private static DecisionKey key(EngineConfig config, AutoSelection options, String... candidates) {
        return DecisionKey.of(config, options, List.of(candidates));
    }

    @Test
    void namesTheModelDigestPrecisionShapesOptionsAndEachCandidate() {
        EngineConfig config = config(new byte[] {1, 2}, Precision.FP16, Map.of("x", ShapeRange.fixed(1, 8)));
        String text = key(config, AutoSelection.defaults(), "ort-cpu ... | available: ONNX Runtime 1.29.0").text();

        assertThat(text).contains("model=sha256:" + config.modelDigest(), "precision=FP16",
                "shapeRange.x=min [1, 8], optimal [1, 8], max [1, 8]", "metric=P50_LATENCY", "reference=ort-cpu",
                "candidate=ort-cpu ... | available: ONNX Runtime 1.29.0", "infer4j=", "gpus=", "CUDA_VISIBLE_DEVICES=");
    }

    @Test
    void everyThingThatCanChangeTheDecisionChangesTheDigest() {
        EngineConfig base = config(new byte[] {1}, Precision.FP32, Map.of());
        AutoSelection options = AutoSelection.defaults();
        String digest = key(base, options, "a").digest();

        assertThat(key(config(new byte[] {1}, Precision.FP32, Map.of()), options, "a").digest()).as("same inputs")
                .isEqualTo(digest);
        assertThat(List.of(
                key(config(new byte[] {2}, Precision.FP32, Map.of()), options, "a").digest(),
                key(config(new byte[] {1}, Precision.FP16, Map.of()), options, "a").digest(),
                key(config(new byte[] {1}, Precision.FP32, Map.of("x", ShapeRange.fixed(2))), options, "a").digest(),
                key(base, options.toBuilder().metric(AutoSelection.Metric.THROUGHPUT).build(), "a").digest(),
                key(base, options, "a", "b").digest(),
                key(base, options, "a v2").digest()))
                .doesNotContain(digest).doesNotHaveDuplicates();
    }

    @Test
    void theBudgetAndWhereTheCacheLiesAreNotPartOfTheKey(@TempDir Path dir) {
        EngineConfig base = config(new byte[] {1}, Precision.FP32, Map.of());
        AutoSelection options = AutoSelection.defaults();
        assertThat(key(base, options.toBuilder().budget(java.time.Duration.ofSeconds(3)).cacheDirectory(dir).build(), "a")
                .digest()).isEqualTo(key(base, options, "a").digest());
    }

    @Test
    void readsTheDriverAndEachGpuModelFromTheKernelModule(@TempDir Path proc) throws IOException {
        assertThat(DecisionKey.gpus(proc.resolve("absent"))).isEqualTo("no GPU");

        Files.writeString(proc.resolve("version"), "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15\nGCC version: 12\n");
        for (String bus : List.of("0000:1b:00.0", "0000:0a:00.0")) {
            Path gpu = Files.createDirectories(proc.resolve("gpus").resolve(bus));
            Files.writeString(gpu.resolve("information"), "Model: \t\t NVIDIA H200\nIRQ: 42\n");
        }
        assertThat(DecisionKey.gpus(proc)).isEqualTo("NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15; "
                + "0000:0a:00.0 NVIDIA H200; 0000:1b:00.0 NVIDIA H200");
    }
}
