package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.Backends;
import org.infer4j.bench.internal.GpuSamplers;
import org.infer4j.bench.internal.SoakSamples;
import org.infer4j.metrics.GpuDevice;
import org.infer4j.metrics.GpuMetricsSource;
import org.infer4j.metrics.GpuReading;
import org.infer4j.metrics.GpuSampler;
import org.infer4j.spi.BackendProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak on ort-cpu with the shipped tiny models, a few seconds at a time: what it checks, what
 * it writes and how chunks add up. Nothing here depends on how many runs or samples fit in the time.
 */
class SoakTest {
    private static final Path MODELS = Path.of("..", "models");
    private static final String ALL_TINY = String.join(",", MODELS.resolve("mlp_tiny.onnx").toString(),
            MODELS.resolve("cnn_tiny.onnx").toString(), MODELS.resolve("gru_tiny.onnx").toString(),
            MODELS.resolve("encoder_tiny.onnx").toString(), MODELS.resolve("dtypes.onnx").toString());
    private static final String MLP = MODELS.resolve("mlp_tiny.onnx").toString();
    private static final String[] SHORT = {"--duration", "1s", "--sample-every", "200ms", "--warmup-window", "0s",
        "--growth-window", "1s", "--churn-every", "300ms", "--threads", "4"};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    private record Result(int exitCode, String console, String errors) {
    }

    private static Backends cpuAndDoubles() {
        BackendProvider ortCpu = Backends.discover().find("ort-cpu").orElseThrow();
        return Backends.of(ortCpu, new FirstOutputFlippedBackendProvider(), new UnavailableBackendProvider());
    }

    private Result soak(GpuSamplers gpu, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--out", out.toString()));
        StringWriter console = new StringWriter();
        StringWriter errors = new StringWriter();
        int code = Soak.commandLine(cpuAndDoubles(), gpu).setOut(new PrintWriter(console)).setErr(new PrintWriter(errors))
                .execute(all.toArray(String[]::new));
        return new Result(code, console.toString(), errors.toString());
    }

    private Result soak(String... args) {
        return soak(new FakeGpu(), args);
    }

    private static String[] with(String[] first, String... more) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private JsonNode summary() throws IOException {
        return JSON.readTree(out.resolve("summary.json").toFile());
    }

    private List<SoakSamples.Row> rows() {
        return new SoakSamples(out.resolve("samples.csv")).read();
    }

    @Test
    void everyTinyModelOnOrtCpuFromFourThreadsMatchesItsReferenceAndTheSoakWritesSamplesAndASummary() throws IOException {
        Result r = soak(with(SHORT, "--model", ALL_TINY, "--backend", "ort-cpu"));

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        JsonNode summary = summary();
        assertThat(summary.get("verdict").asText()).isEqualTo("pass");
        assertThat(summary.get("mismatches").asLong()).isZero();
        assertThat(summary.get("errors").asLong()).isZero();
        assertThat(summary.get("chunks").asInt()).isEqualTo(1);
        assertThat(summary.get("runs").asLong()).isPositive();
        assertThat(summary.get("churn_cycles").asLong()).as("the churn thread's first cycle comes at once").isPositive();
        assertThat(summary.get("series")).hasSize(5).allSatisfy(s -> {
            assertThat(s.get("check").asText()).isEqualTo("exact");
            assertThat(s.get("engine_run_runs").asLong() + s.get("binding_runs").asLong()).isPositive();
        });
        assertThat(summary.at("/memory/heap_used_bytes/slope_bytes_per_min").isNumber())
                .as("start and end rows give every chunk two samples after a warm-up of 0s").isTrue();
        assertThat(summary.at("/memory/gpu_memory_used_bytes/slope_bytes_per_min").asDouble())
                .as("the fake GPU's memory stays at 2 GiB").isZero();

        assertThat(Files.readAllLines(out.resolve("samples.csv")).get(0)).isEqualTo(SoakSamples.HEADER);
        List<SoakSamples.Row> rows = rows();
        assertThat(rows.get(0).event()).isEqualTo(SoakSamples.Event.START);
        assertThat(rows.subList(rows.size() - 2, rows.size())).extracting(SoakSamples.Row::event)
                .containsExactly(SoakSamples.Event.END, SoakSamples.Event.AFTER_CLOSE);
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.chunk()).isEqualTo(1);
            assertThat(row.memory().get(SoakSamples.MEMORY_SERIES.indexOf("direct_bytes"))).isNotNull();
            assertThat(row.memory().get(SoakSamples.MEMORY_SERIES.indexOf("heap_used_bytes"))).isPositive();
            assertThat(row.memory().get(SoakSamples.MEMORY_SERIES.indexOf("gpu_memory_used_bytes")))
                    .isEqualTo((long) FakeGpu.MEMORY_USED_BYTES);
            if (Files.isReadable(Path.of("/proc/self/status"))) {
                assertThat(row.memory().get(SoakSamples.MEMORY_SERIES.indexOf("rss_bytes"))).isPositive();
            }
        });
        assertThat(rows.get(rows.size() - 2).runs()).isEqualTo(summary.get("runs").asLong());
        assertThat(Files.readString(out.resolve("summary.txt"))).contains("verdict: PASS").isEqualTo(
                r.console().substring(r.console().indexOf("soak summary:"), r.console().indexOf("wrote ")));
        assertThat(out.resolve("mismatches.log")).doesNotExist();
    }

    @Test
    void aSecondChunkAppendsToTheSameFilesAndTheSummaryCoversBoth() throws IOException {
        assertThat(soak(with(SHORT, "--model", MLP, "--backend", "ort-cpu")).exitCode()).isZero();
        Result second = soak(with(SHORT, "--model", MLP, "--backend", "ort-cpu"));

        assertThat(second.exitCode()).as(second.console() + second.errors()).isZero();
        assertThat(second.console()).contains("chunk 2 in");
        List<SoakSamples.Row> rows = rows();
        assertThat(rows).extracting(SoakSamples.Row::chunk).containsOnly(1, 2).startsWith(1).endsWith(2);
        SoakSamples.Row endOfFirst = rows.stream().filter(row -> row.chunk() == 1 && row.event() == SoakSamples.Event.END)
                .findFirst().orElseThrow();
        SoakSamples.Row startOfSecond = rows.stream().filter(row -> row.chunk() == 2 && row.event() == SoakSamples.Event.START)
                .findFirst().orElseThrow();
        assertThat(startOfSecond.elapsedSeconds()).as("soak time goes on across chunks")
                .isEqualTo(endOfFirst.elapsedSeconds());
        assertThat(startOfSecond.chunkElapsedSeconds()).isZero();

        JsonNode summary = summary();
        JsonNode first = JSON.readTree(out.resolve("chunk-1.json").toFile());
        JsonNode secondRecord = JSON.readTree(out.resolve("chunk-2.json").toFile());
        assertThat(summary.get("chunks").asInt()).isEqualTo(2);
        assertThat(summary.get("runs").asLong()).isEqualTo(first.get("runs").asLong() + secondRecord.get("runs").asLong());
        assertThat(summary.get("per_chunk")).extracting(c -> c.get("finished").asBoolean()).containsExactly(true, true);
        assertThat(secondRecord.at("/series/0/reference_digests")).as("each chunk's references are those of the first")
                .isEqualTo(first.at("/series/0/reference_digests"));
    }

    @Test
    void aLaterChunksReferenceThatDiffersFromTheFirstChunksOnThisHostIsAMismatch() throws IOException {
        assertThat(soak(with(SHORT, "--model", MLP, "--backend", "ort-cpu")).exitCode()).isZero();
        Path record = out.resolve("chunk-1.json");
        String key = "input=1x16 seed 42 output";
        String digest = JSON.readTree(record.toFile()).at("/series/0/reference_digests").get(key).asText();
        Files.writeString(record, Files.readString(record).replace(digest, "0".repeat(64)));

        Result second = soak(with(SHORT, "--model", MLP, "--backend", "ort-cpu"));

        assertThat(second.exitCode()).isEqualTo(Soak.EXIT_FAILED);
        assertThat(JSON.readTree(out.resolve("chunk-2.json").toFile()).get("mismatches").asLong()).isEqualTo(1);
        assertThat(Files.readString(out.resolve("mismatches.log"))).contains("chunk 2 ", key + ": reference differs from chunk 1's");
    }

    @Test
    void aReferenceWrongByOneBitIsDetectedAsAMismatchAndDescribed() throws IOException {
        String flipped = FirstOutputFlippedBackendProvider.NAME;

        Result r = soak(with(SHORT, "--model", MLP, "--backend", flipped, "--exact", flipped));

        assertThat(r.exitCode()).as(r.console() + r.errors()).isEqualTo(Soak.EXIT_FAILED);
        JsonNode summary = summary();
        assertThat(summary.get("verdict").asText()).isEqualTo("fail");
        assertThat(summary.get("mismatches").asLong()).as("the churn cycle at least runs every input against it").isPositive();
        assertThat(summary.get("reasons").toString()).contains("did not match the reference");
        String log = Files.readString(out.resolve("mismatches.log"));
        assertThat(log).startsWith("chunk 1 ")
                .contains("MISMATCH mlp_tiny " + flipped + " FP32", "input=1x16 seed 42", "output: 1 of 4 elements differ (exact); first at 0");
        assertThat(r.console()).contains("MISMATCH mlp_tiny", "verdict: FAIL");
    }

    @Test
    void aChunkWhoseProcessEndedEarlyFailsTheSummary() throws IOException {
        assertThat(soak(with(SHORT, "--model", MLP, "--backend", "ort-cpu")).exitCode()).isZero();
        // what a process killed during chunk 2 leaves: its start row and no chunk-2.json
        Files.writeString(out.resolve("samples.csv"), "2,start,2026-01-01T00:00:00Z,1.5,0.000,1,2,3,4,,0,0,0\n",
                StandardOpenOption.APPEND);

        Result r = soak("--summary-only");

        assertThat(r.exitCode()).isEqualTo(Soak.EXIT_FAILED);
        assertThat(summary().get("unfinished_chunks").asLong()).isEqualTo(1);
        assertThat(r.console()).contains("chunk 2 did not finish", "verdict: FAIL");
    }

    @Test
    void aBackendThatCannotRunHereIsSkippedAndNothingLeftToSoakIsAnError() throws IOException {
        Result r = soak(with(SHORT, "--model", MLP, "--backend", UnavailableBackendProvider.NAME));

        assertThat(r.exitCode()).isEqualTo(Soak.EXIT_FAILED);
        assertThat(r.console()).contains("skipped " + UnavailableBackendProvider.NAME);
        assertThat(summary().get("errors").asLong()).isEqualTo(1);
        assertThat(Files.readString(out.resolve("errors.log"))).contains("nothing to soak");
    }

    @Test
    void whenTheGpuCannotBeSampledTheGpuColumnIsEmptyAndTheSummarySaysSo() throws IOException {
        GpuSamplers none = period -> GpuSampler.builder().period(period).source(new GpuMetricsSource() {
            @Override
            public List<GpuDevice> devices() {
                return List.of();
            }

            @Override
            public void read(int deviceIndex, GpuReading reading) {
                throw new AssertionError("a source without devices is never read");
            }

            @Override
            public void close() {
            }
        }).start();

        Result r = soak(none, with(SHORT, "--model", MLP, "--backend", "ort-cpu"));

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(rows()).allSatisfy(row -> assertThat(row.memory().get(SoakSamples.MEMORY_SERIES.indexOf("gpu_memory_used_bytes")))
                .isNull());
        assertThat(summary().at("/memory/gpu_memory_used_bytes/note").asText()).contains("no samples");
        assertThat(r.console()).contains("GPU memory not sampled: GPU 0 is not among those NVML sees");
    }

    @Test
    void usageErrorsExitWithTwoAndNameTheProblem() throws IOException {
        assertThat(soak("--model", MLP, "--threads", "0").errors()).contains("--threads must be at least 1");
        assertThat(soak("--model", MLP, "--threads", "0").exitCode()).isEqualTo(2);
        assertThat(soak("--model", MLP, "--sample-every", "10ms").errors()).contains("--sample-every must be at least 100ms");
        assertThat(soak("--model", MLP, "--churn-every", "soon").exitCode()).isEqualTo(2);
        assertThat(soak("--backend", "ort-cpu").errors()).contains("give at least one --model");
        assertThat(soak("--model", MLP, "--backend", "ort-cpu:novalue").errors()).contains("is not KEY=VALUE");

        Files.writeString(out.resolve("samples.csv"), "time,rss\n");
        Result otherLayout = soak(with(SHORT, "--model", MLP, "--backend", "ort-cpu"));
        assertThat(otherLayout.exitCode()).isEqualTo(2);
        assertThat(otherLayout.errors()).contains("has other columns than this version writes");
        assertThat(out.resolve("chunk-1.json")).doesNotExist();
    }
}
