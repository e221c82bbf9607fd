package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.Backends;
import org.infer4j.bench.internal.GpuSamplers;
import org.infer4j.spi.BackendProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's GPU sampling (issue 4): the {@code gpu} object of the run JSON, the CSV columns, the
 * sampling-overhead comparison ({@code --gpu-sample-period off,10ms}) and the option's validation, on
 * ort-cpu with a fake GPU read through the real sampler.
 */
class BenchmarkGpuSamplingTest {
    private static final String MLP = Path.of("..", "models", "mlp_tiny.onnx").toString();

    @TempDir
    Path out;

    private final FakeGpu gpu = new FakeGpu();

    private record Result(int exitCode, String console, String errors) {
    }

    private Result run(GpuSamplers samplers, String... args) {
        return run(samplers, Backends.of(ortCpu()), "ort-cpu", args);
    }

    /**
     * Runs ort-cpu in a wrapper whose every run waits for two reads of {@link #gpu} while it is
     * sampled ({@link FakeGpu#sampledBackend()}): each timed window then holds samples however
     * late the sampling thread gets its turn, and the test asserts what sampling produced, not how
     * fast.
     */
    private Result runSampled(String... args) {
        return run(gpu, Backends.of(ortCpu(), gpu.sampledBackend()), "ort-cpu-sampled", args);
    }

    private static BackendProvider ortCpu() {
        return Backends.discover().find("ort-cpu").orElseThrow();
    }

    private Result run(GpuSamplers samplers, Backends backends, String backend, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--model", MLP, "--backend", backend, "--warmup", "2", "--out", out.toString()));
        StringWriter console = new StringWriter();
        StringWriter errors = new StringWriter();
        int code = Benchmark.commandLine(backends, samplers).setOut(new PrintWriter(console)).setErr(new PrintWriter(errors))
                .execute(all.toArray(String[]::new));
        return new Result(code, console.toString(), errors.toString());
    }

    private List<JsonNode> jsonResults() throws IOException {
        return RunJsons.in(out);
    }

    @Test
    void byDefaultTheGpuIsSampledEvery100msDuringTheTimedWindowAndTheJsonCarriesIt() throws IOException {
        gpu.busy = true;
        Result r = runSampled("--duration", "300ms");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        JsonNode json = jsonResults().get(0);
        assertThat(json.get("gpu_sample_period").asText()).isEqualTo("100ms");
        assertThat(json.has("rounds")).isTrue();
        assertThat(json.get("rounds").isNull()).as("one plain run has no rounds").isTrue();
        JsonNode report = json.get("gpu");
        assertThat(report.get("sample_period_ms").asDouble()).isEqualTo(100);
        assertThat(report.get("available").asBoolean()).isTrue();
        assertThat(report.get("windows").asInt()).isEqualTo(1);
        double windowMs = report.get("window_ms").asDouble();
        assertThat(windowMs).as("the timed window lasts at least the duration asked for").isGreaterThanOrEqualTo(300.0);
        JsonNode device = report.at("/devices/0");
        assertThat(device.get("name").asText()).isEqualTo("Fake H100");
        int samples = device.get("sample_count").asInt();
        assertThat(samples).as("the runs waited for samples").isPositive();
        assertThat(device.at("/summary/gpu_utilization_percent").fieldNames()).toIterable()
                .containsExactly("count", "min", "mean", "max", "p95");
        assertThat(device.at("/summary/gpu_utilization_percent/count").asInt()).isEqualTo(samples);
        assertThat(device.at("/summary/gpu_utilization_percent/mean").asDouble()).isEqualTo(FakeGpu.BUSY_UTILIZATION);
        assertThat(device.at("/summary/power_watts/max").asDouble()).isEqualTo(FakeGpu.POWER_WATTS);
        assertThat(device.at("/summary/memory_clock_mhz/mean").isNull()).as("not reported by the fake").isTrue();
        assertThat(device.at("/series/t_ms")).hasSize(samples);
        assertThat(device.at("/series/temperature_celsius")).hasSize(samples).allSatisfy(t -> assertThat(t.asDouble()).isEqualTo(50));
        List<Double> times = new ArrayList<>();
        device.at("/series/t_ms").forEach(t -> times.add(t.asDouble()));
        assertThat(times).as("relative to the window's start, in order").isSorted()
                .allSatisfy(t -> assertThat(t).isBetween(0.0, windowMs));
        double span = times.get(samples - 1) - times.get(0);
        assertThat(device.get("sample_rate_per_s").asDouble()).as("samples over the time between the first and last")
                .isCloseTo(span > 0 ? (samples - 1) * 1000 / span : 0, withinPercentage(1));
        assertThat(gpu.samplersStarted.get()).as("the probe, then the timed window").isEqualTo(2);
    }

    @Test
    void theCsvGetsTheSamplePeriodUtilisationMemoryAndPowerColumns() throws IOException {
        gpu.busy = true;
        Result r = runSampled("--gpu-sample-period", "10ms", "--duration", "200ms");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        List<String> header = List.of(csv.get(0).split(","));
        List<String> row = List.of(csv.get(1).split(",", -1));
        assertThat(header).containsSubsequence("gpu_sample_period", "gpu_samples", "gpu_util_mean", "mem_used_max_mib", "power_mean_w",
                "p50_ratio_vs_off");
        assertThat(row.get(header.indexOf("gpu_sample_period"))).isEqualTo("10ms");
        assertThat(Integer.parseInt(row.get(header.indexOf("gpu_samples"))))
                .isPositive().isEqualTo(jsonResults().get(0).at("/gpu/devices/0/sample_count").asInt());
        assertThat(Double.parseDouble(row.get(header.indexOf("gpu_util_mean")))).isEqualTo(FakeGpu.BUSY_UTILIZATION);
        assertThat(Double.parseDouble(row.get(header.indexOf("mem_used_max_mib")))).isEqualTo(2048);
        assertThat(Double.parseDouble(row.get(header.indexOf("power_mean_w")))).isEqualTo(FakeGpu.POWER_WATTS);
        assertThat(row.get(header.indexOf("p50_ratio_vs_off"))).isEmpty();
        assertThat(r.console()).contains("gpu sampling", "gpu util %", "gpu W").containsPattern("10ms .* 97\\.0 +150\\.0");
    }

    @Test
    void offMeasuresWithoutAnySamplerAndTheJsonSaysSo() throws IOException {
        Result r = run(gpu, "--gpu-sample-period", "off", "--iterations", "20");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        JsonNode json = jsonResults().get(0);
        assertThat(json.get("gpu_sample_period").asText()).isEqualTo("off");
        assertThat(json.get("gpu").isNull()).isTrue();
        assertThat(gpu.samplersStarted.get()).isZero();
    }

    @Test
    void offAnd10msAreMeasuredInAlternatingRoundsOnTheSameEngineAndTheP50RatioIsReported() throws IOException {
        Result r = run(gpu, "--gpu-sample-period", "off,10ms", "--rounds", "4", "--iterations", "200");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        List<JsonNode> results = jsonResults();
        assertThat(results).extracting(j -> j.get("gpu_sample_period").asText()).containsExactlyInAnyOrder("off", "10ms");
        JsonNode off = results.stream().filter(j -> j.get("gpu_sample_period").asText().equals("off")).findFirst().orElseThrow();
        JsonNode sampled = results.stream().filter(j -> j.get("gpu_sample_period").asText().equals("10ms")).findFirst()
                .orElseThrow();
        assertThat(off.get("build_ms").asDouble()).as("one engine for both").isEqualTo(sampled.get("build_ms").asDouble());
        assertThat(off.get("iterations").asInt()).as("4 rounds of 200").isEqualTo(800);
        assertThat(sampled.get("iterations").asInt()).isEqualTo(800);
        assertThat(sampled.at("/rounds/count").asInt()).isEqualTo(4);
        assertThat(sampled.at("/rounds/order").asText()).isEqualTo("ABBA");
        assertThat(sampled.at("/rounds/p50_us")).hasSize(4);
        assertThat(sampled.at("/gpu/windows").asInt()).as("one sampler per round").isEqualTo(4);
        assertThat(gpu.samplersStarted.get()).as("the probe, then one per 10ms round").isEqualTo(5);
        assertThat(off.get("gpu").isNull()).isTrue();
        assertThat(off.get("gpu_sampling_overhead").isNull()).isTrue();

        JsonNode overhead = sampled.get("gpu_sampling_overhead");
        assertThat(overhead.get("baseline").asText()).isEqualTo("off");
        assertThat(overhead.get("period").asText()).isEqualTo("10ms");
        assertThat(overhead.get("p50_ratio_per_round")).hasSize(4);
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ratios.add(sampled.at("/rounds/p50_us/" + i).asDouble() / off.at("/rounds/p50_us/" + i).asDouble());
            assertThat(overhead.at("/p50_ratio_per_round/" + i).asDouble()).isCloseTo(ratios.get(i), within(1e-9));
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        assertThat(overhead.get("p50_ratio").asDouble()).as("median of the rounds' ratios")
                .isCloseTo((sorted.get(1) + sorted.get(2)) / 2, within(1e-9));
        assertThat(overhead.get("limit_percent").asDouble()).isEqualTo(1.0);
        assertThat(overhead.get("within_limit").asBoolean())
                .isEqualTo(Math.abs(overhead.get("p50_ratio").asDouble() - 1) < 0.01);

        assertThat(r.console()).contains("GPU sampling overhead").containsPattern("p50 10ms/off = \\d\\.\\d{4}");
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv).hasSize(3);
        assertThat(csv.get(0)).contains(",p50_ratio_vs_off,");
        int ratioColumn = List.of(csv.get(0).split(",")).indexOf("p50_ratio_vs_off");
        assertThat(csv).filteredOn(line -> line.contains(",10ms,")).singleElement()
                .satisfies(line -> assertThat(line.split(",", -1)[ratioColumn]).isNotEmpty());
    }

    @Test
    void severalPeriodsDefaultToFiveRounds() throws IOException {
        Result r = run(gpu, "--gpu-sample-period", "off,50ms", "--iterations", "10");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(r.console()).contains("GPU sampling off,50ms, 5 rounds");
        assertThat(jsonResults()).allSatisfy(j -> assertThat(j.at("/rounds/count").asInt()).isEqualTo(5));
    }

    @Test
    void withoutNvmlTheDefaultIsOffWithAOneLineNote() throws IOException {
        Result r = run(FakeGpu.unavailable(), "--iterations", "10");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(r.console()).containsOnlyOnce("GPU sampling off: NVML could not be loaded");
        assertThat(jsonResults().get(0).get("gpu_sample_period").asText()).isEqualTo("off");
    }

    @Test
    void askingForSamplingWithoutNvmlIsAUsageErrorWithTheReason() {
        Result r = run(FakeGpu.unavailable(), "--gpu-sample-period", "10ms", "--iterations", "10");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errors()).contains("no GPU can be sampled here", "libnvidia-ml.so.1", "--gpu-sample-period off");
    }

    @Test
    void badPeriodsAndRoundsAreUsageErrorsThatSayWhatIsAccepted() {
        Result tooShort = run(gpu, "--gpu-sample-period", "5ms");
        Result noUnit = run(gpu, "--gpu-sample-period", "10");
        Result words = run(gpu, "--gpu-sample-period", "often");
        Result twice = run(gpu, "--gpu-sample-period", "10ms,off,10ms");
        Result noRounds = run(gpu, "--gpu-sample-period", "off,10ms", "--rounds", "0");

        assertThat(tooShort.exitCode()).isEqualTo(2);
        assertThat(tooShort.errors()).contains("at least 10ms", "5ms");
        assertThat(noUnit.exitCode()).isEqualTo(2);
        assertThat(noUnit.errors()).contains("'10' is not a GPU sample period", "100ms, 10ms, 1s or off");
        assertThat(words.exitCode()).isEqualTo(2);
        assertThat(words.errors()).contains("'often' is not a GPU sample period");
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.errors()).contains("lists a period twice");
        assertThat(noRounds.exitCode()).isEqualTo(2);
        assertThat(noRounds.errors()).contains("--rounds must be at least 1");
        assertThat(gpu.samplersStarted.get()).as("nothing measured").isZero();
    }
}
