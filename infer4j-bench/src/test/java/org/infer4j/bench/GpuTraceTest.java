package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.infer4j.Backends;
import org.infer4j.bench.internal.GpuSamplers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idle → busy → idle trace end to end: the tiny MLP on a counting ort-cpu, a fake GPU busy while
 * it runs. Each run lasts until the GPU has been read twice, so the busy phase's samples are taken
 * during runs however the threads are scheduled.
 */
class GpuTraceTest {
    private static final String MLP = Path.of("..", "models", "mlp_tiny.onnx").toString();

    @TempDir
    Path out;

    private record Result(int exitCode, String console, String errors) {
    }

    private Result run(FakeGpu gpu, String... args) {
        return run(gpu, new CountingBackendProvider(gpu::awaitTwoMoreReadsWhileSampling), args);
    }

    private Result run(GpuSamplers samplers, CountingBackendProvider counting, String... args) {
        StringWriter console = new StringWriter();
        StringWriter errors = new StringWriter();
        Backends backends = Backends.of(Backends.discover().find("ort-cpu").orElseThrow(), counting);
        String[] all = Stream.concat(Stream.of(args), Stream.of("--out", out.toString())).toArray(String[]::new);
        int code = GpuTrace.commandLine(backends, samplers).setOut(new PrintWriter(console)).setErr(new PrintWriter(errors))
                .execute(all);
        return new Result(code, console.toString(), errors.toString());
    }

    @Test
    void writesOneJsonWithPhaseMarkersSummariesAndTheSeriesAndPrintsATable() throws IOException {
        Result r = run(new FakeGpu(), "--model", MLP, "--backend", CountingBackendProvider.NAME, "--batch", "4",
                "--sample-period", "10ms", "--idle", "300ms", "--busy", "500ms");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(r.console()).contains("GPU trace of mlp_tiny.onnx on test-counting", "Fake H100", "idle_before", "busy",
                "idle_after", "the trace shows the run");
        List<Path> files;
        try (Stream<Path> list = Files.list(out)) {
            files = list.toList();
        }
        assertThat(files).singleElement().satisfies(f -> assertThat(f.getFileName().toString())
                .isEqualTo("gpu-trace_mlp_tiny_test-counting_fp32_b4.json"));
        JsonNode json = new ObjectMapper().readTree(files.get(0).toFile());
        assertThat(json.get("model").asText()).isEqualTo("mlp_tiny.onnx");
        assertThat(json.get("batch").asInt()).isEqualTo(4);
        JsonNode trace = json.get("trace");
        assertThat(trace.get("sample_period_ms").asDouble()).isEqualTo(10);
        assertThat(trace.get("phases")).extracting(p -> p.get("name").asText())
                .containsExactly("load", "idle_before", "busy", "idle_after");
        JsonNode busy = trace.at("/phases/2");
        assertThat(busy.get("start_ms").asDouble()).isGreaterThanOrEqualTo(trace.at("/phases/1/end_ms").asDouble());
        assertThat(busy.get("end_ms").asDouble() - busy.get("start_ms").asDouble()).as("at least as long as asked")
                .isGreaterThanOrEqualTo(500.0);
        assertThat(busy.get("runs").asLong()).isPositive();
        assertThat(busy.at("/summary/gpu_utilization_percent/max").asDouble()).as("read while a run waited")
                .isEqualTo(FakeGpu.BUSY_UTILIZATION);
        double busyMean = busy.at("/summary/gpu_utilization_percent/mean").asDouble();
        // like NVML's, the fake's utilisation covers the time since the previous read, so an idle phase's
        // first sample may still see the end of the phase before it
        for (String idle : List.of("/phases/1", "/phases/3")) {
            assertThat(trace.at(idle + "/summary/gpu_utilization_percent/min").asDouble()).as(idle).isZero();
            assertThat(trace.at(idle + "/summary/gpu_utilization_percent/mean").asDouble()).as(idle).isLessThan(busyMean);
        }
        assertThat(trace.at("/phases/3/runs").asLong()).isZero();
        JsonNode series = trace.get("series");
        assertThat(series.fieldNames()).toIterable().startsWith("t_ms", "gpu_utilization_percent", "memory_used_bytes",
                "power_watts", "temperature_celsius", "sm_clock_mhz");
        assertThat(series.get("power_watts")).hasSameSizeAs(series.get("t_ms"));
        int phaseSamples = 0;
        for (JsonNode phase : trace.get("phases")) {
            phaseSamples += phase.get("sample_count").asInt();
        }
        assertThat(series.get("t_ms").size()).as("every phase's samples, in the series").isEqualTo(phaseSamples).isPositive();
    }

    @Test
    void withoutNvmlItSaysWhyAndExitsWithAUsageError() {
        Result r = run(FakeGpu.unavailable(), new CountingBackendProvider(() -> { }), "--model", MLP, "--backend", "ort-cpu");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errors()).contains("no GPU can be sampled here", "libnvidia-ml.so.1");
    }

    @Test
    void badPeriodsAreUsageErrors() {
        Result tooShort = run(new FakeGpu(), "--model", MLP, "--sample-period", "1ms");
        Result off = run(new FakeGpu(), "--model", MLP, "--sample-period", "off");

        assertThat(tooShort.exitCode()).isEqualTo(2);
        assertThat(tooShort.errors()).contains("at least 10ms");
        assertThat(off.exitCode()).isEqualTo(2);
        assertThat(off.errors()).contains("nothing to trace");
    }

    @Test
    void aModelThatCannotLoadFailsNamingTheProblem() {
        Result r = run(new FakeGpu(), "--model", "no-such.onnx", "--backend", "ort-cpu", "--idle", "10ms", "--busy", "10ms");

        assertThat(r.exitCode()).isEqualTo(Benchmark.EXIT_FAILED);
        assertThat(r.errors()).contains("no-such.onnx");
    }
}
