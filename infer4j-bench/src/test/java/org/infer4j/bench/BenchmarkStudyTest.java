package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.Backends;
import org.infer4j.spi.BackendProvider;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark as a study, end to end on the CPU: sweeps of CUDA-graph modes, profiles and threads, fixed-rate load,
 * PyTorch as a peer, the hygiene block and the HTML report.
 */
class BenchmarkStudyTest {
    private static final Path MODELS = Path.of("..", "models");
    private static final String MLP = MODELS.resolve("mlp_tiny.onnx").toString();
    private static final String ENCODER = MODELS.resolve("encoder_tiny.onnx").toString();

    @TempDir
    Path out;

    private static Backends cpuAndDoubles() {
        BackendProvider ortCpu = Backends.discover().find("ort-cpu").orElseThrow();
        return Backends.of(ortCpu, new OffsetBackendProvider(), new SlowBackendProvider(), new LazyBackendProvider());
    }

    private record Result(int exitCode, String console) {
    }

    private Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--out", out.toString()));
        StringWriter console = new StringWriter();
        int code = Benchmark.commandLine(cpuAndDoubles()).setOut(new PrintWriter(console)).setErr(new PrintWriter(console))
                .execute(all.toArray(String[]::new));
        return new Result(code, console.toString());
    }

    private List<JsonNode> results() throws IOException {
        return RunJsons.in(out);
    }

    @Test
    void aBackendThatCompilesOnItsFirstRunShowsItInFirstRunMsNotInTheLatencies() throws IOException {
        Result r = run("--model", MLP, "--backend", LazyBackendProvider.NAME, "--warmup", "2", "--iterations", "20");

        assertThat(r.exitCode()).as(r.console()).isZero();
        JsonNode json = results().get(0);
        assertThat(json.get("first_run_ms").asDouble()).as("the first run compiled")
                .isGreaterThanOrEqualTo(LazyBackendProvider.COMPILE_MILLIS);
        assertThat(json.get("iterations").asInt()).as("the latencies are the 20 timed runs, the first run not among them")
                .isEqualTo(20);
        assertThat(json.at("/hygiene/build").asText()).contains("first_run_ms");
        assertThat(Files.readAllLines(out.resolve("results.csv")).get(0)).contains(",build_ms,first_run_ms,mean_us,");
        assertThat(r.console()).contains("1st run ms");
    }

    @Test
    void staticAndDynamicProfilesTimesThreadsGiveOneResultPerEngineWorkloadAndLoad() throws IOException {
        Result r = run("--model", ENCODER, "--backend", "ort-cpu", "--batch", "1,2", "--seq-len", "8",
                "--profile", "static,dynamic", "--threads", "1,2", "--warmup", "2", "--iterations", "40");

        assertThat(r.exitCode()).as(r.console()).isZero();
        List<JsonNode> results = results();
        // static: one engine per workload (2) x 2 loads; dynamic: one engine x 2 workloads x 2 loads
        assertThat(results).hasSize(8);
        assertThat(results).extracting(j -> j.get("profile").asText() + " b" + j.get("batch").asInt() + " t"
                + j.get("threads").asInt()).containsExactlyInAnyOrder("static b1 t1", "static b1 t2", "static b2 t1",
                "static b2 t2", "dynamic b1 t1", "dynamic b1 t2", "dynamic b2 t1", "dynamic b2 t2");
        assertThat(results).allSatisfy(j -> {
            assertThat(j.get("iterations").asInt()).as("--iterations counts the runs of all threads").isEqualTo(40);
            assertThat(j.at("/load/mode").asText()).isEqualTo("closed");
            assertThat(j.at("/load/achieved_rate_per_s").asDouble() * j.get("batch").asInt())
                    .isCloseTo(j.get("throughput_fps").asDouble(), org.assertj.core.data.Percentage.withPercentage(0.01));
            assertThat(j.at("/agreement/passed").asBoolean()).as("every thread's binding got the same inputs").isTrue();
        });
        assertThat(results).as("each run names the shape ranges its engine was built for, optimised for the largest")
                .extracting(j -> j.get("profile").asText() + " b" + j.get("batch").asInt() + " "
                        + j.at("/profile_ranges/input_ids/min") + ".." + j.at("/profile_ranges/input_ids/opt") + ".."
                        + j.at("/profile_ranges/input_ids/max"))
                .contains("static b1 [1,8]..[1,8]..[1,8]", "static b2 [2,8]..[2,8]..[2,8]", "dynamic b1 [1,8]..[2,8]..[2,8]",
                        "dynamic b2 [1,8]..[2,8]..[2,8]");
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv).hasSize(9);
        assertThat(csv.get(0)).contains(",profile,profile_ranges,threads,load_mode,offered_rate_per_s,achieved_rate_per_s,"
                + "kept_up,pytorch_eager_us,pytorch_cuda_graph_us");
        assertThat(csv.subList(1, csv.size())).as("the dynamic engine's ranges, inputs in the model's order")
                .filteredOn(row -> row.contains(",dynamic,")).hasSize(4)
                .allSatisfy(row -> assertThat(row).contains(",input_ids=1x8..2x8 opt 2x8; attention_mask=1x8..2x8 opt 2x8,"));
        assertThat(r.console()).contains("built encoder_tiny on ort-cpu FP32 (graphs off, static profile input_ids=1x8")
                .contains("8/8  elapsed");
        Document html = Jsoup.parse(out.resolve("report.html").toFile());
        assertThat(html.select("#threads svg > title").eachText()).containsExactly("encoder_tiny: throughput vs caller threads");
        assertThat(html.select("#threads svg text").eachText()).as("a line per engine and workload, the thread count left out")
                .contains("ort-cpu FP32 b1 s8", "ort-cpu FP32 b2 s8", "ort-cpu FP32 b1 s8 static", "ort-cpu FP32 b2 s8 static");
    }

    @Test
    void cudaGraphsOffOnIsADimensionAndTheFlagAloneStillMeansOn() throws IOException {
        Result both = run("--model", MLP, "--backend", "test-offset", "--reference", "none", "--cuda-graphs", "off,on",
                "--warmup", "1", "--iterations", "5");
        assertThat(both.exitCode()).as(both.console()).isZero();
        assertThat(results()).extracting(j -> j.get("cuda_graphs").asBoolean()).containsExactlyInAnyOrder(false, true);

        Result flag = run("--model", MLP, "--backend", "ort-cpu", "--cuda-graphs", "--warmup", "1", "--iterations", "5");
        assertThat(flag.exitCode()).as(flag.console()).isZero();
        assertThat(results()).filteredOn(j -> j.get("backend").asText().equals("ort-cpu"))
                .extracting(j -> j.get("cuda_graphs").asBoolean()).containsExactly(true);
    }

    @Test
    void aFixedRateAboveCapacityIsReportedAsNotKeptUpWithLatencyFromTheIntendedStart() throws IOException {
        // test-slow serves 200 runs/s on one thread: 50/s is easy, 1000/s is not
        Result r = run("--model", MLP, "--backend", "test-slow", "--reference", "none", "--rate", "50,1000", "--warmup", "2",
                "--duration", "400ms");

        assertThat(r.exitCode()).as(r.console()).isZero();
        JsonNode easy = results().stream().filter(j -> j.at("/load/offered_rate_per_s").asDouble() == 50).findFirst().orElseThrow();
        JsonNode over = results().stream().filter(j -> j.at("/load/offered_rate_per_s").asDouble() == 1000).findFirst().orElseThrow();
        assertThat(easy.at("/load/mode").asText()).isEqualTo("fixed-rate");
        assertThat(easy.at("/load/kept_up").asBoolean()).as("whether 50/s was kept up depends on the machine's load, "
                + "but the verdict follows the achieved rate").isEqualTo(easy.at("/load/achieved_rate_per_s").asDouble() >= 0.95 * 50);
        assertThat(easy.at("/latency_us/median").asDouble()).as("at least the service time, us").isGreaterThanOrEqualTo(5000.0);
        // 1000/s for 400 ms is 400 requests due by 400 ms, served one at a time in at least 5 ms each: at most 200/s
        // achieved, and the median request (the 200th, due at 200 ms) done no sooner than 1005 ms, 805 ms late
        assertThat(over.at("/load/kept_up").asBoolean()).isFalse();
        assertThat(over.at("/load/achieved_rate_per_s").asDouble()).isLessThanOrEqualTo(200.0);
        assertThat(over.at("/latency_us/median").asDouble()).as("queued behind the schedule, us")
                .isGreaterThanOrEqualTo(800_000.0);
        assertThat(over.at("/hygiene/load").asText()).contains("intended start");
        assertThat(r.console()).contains("DID NOT KEEP UP: offered 1000.0/s");
    }

    @Test
    void pyTorchFiguresOfTheSamePrecisionAndShapesGoIntoJsonAndCsv() throws IOException {
        Path peers = Files.createDirectories(out.resolve("peers"));
        Files.writeString(peers.resolve("mlp_tiny.json"), """
                {"inputs": {"input": {"shape": [1, 16], "dtype": "float32"}}, "device": "a GPU", "torch": "2.11",
                 "pytorch_fp32": {"eager_us": 120.5, "cuda_graph_us": 20.25},
                 "pytorch_fp16": {"eager_us": 99.0, "cuda_graph_error": "capture failed"}}
                """);

        Result r = run("--model", MLP, "--backend", "ort-cpu", "--batch", "1,2", "--pytorch-json", peers.toString(),
                "--warmup", "1", "--iterations", "5");

        assertThat(r.exitCode()).as(r.console()).isZero();
        JsonNode b1 = results().stream().filter(j -> j.get("batch").asInt() == 1).findFirst().orElseThrow();
        assertThat(b1.at("/pytorch/eager_us").asDouble()).isEqualTo(120.5);
        assertThat(b1.at("/pytorch/cuda_graph_us").asDouble()).isEqualTo(20.25);
        assertThat(b1.at("/pytorch/shapes_match").asBoolean()).isTrue();
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv.get(1)).as("batch 1: PyTorch timed these shapes").endsWith(",120.5,20.25");
        assertThat(csv.get(2)).as("batch 2: it did not").endsWith(",,");
    }

    @Test
    void everyRunStatesItsHygieneAndTheReportShowsItWithTheCharts() throws IOException {
        Result r = run("--model", ENCODER, "--backend", "ort-cpu", "--batch", "1,4", "--seq-len", "8,32", "--warmup", "3",
                "--iterations", "30");

        assertThat(r.exitCode()).as(r.console()).isZero();
        JsonNode json = results().get(0);
        assertThat(json.get("hygiene").fieldNames()).toIterable()
                .containsExactly("warmup", "synchronisation", "inputs", "build", "gpu_sampling", "load");
        assertThat(json.at("/hygiene/warmup").asText()).startsWith("3 untimed runs");
        assertThat(json.at("/hygiene/gpu_sampling").asText()).startsWith("not sampled: ");
        JsonNode curve = json.get("latency_percentiles_us");
        assertThat(curve.get(0).get(0).asDouble()).isZero();
        assertThat(curve.get(curve.size() - 1).get(0).asDouble()).isEqualTo(100.0);
        for (int i = 1; i < curve.size(); i++) {
            assertThat(curve.get(i).get(1).asDouble()).isGreaterThanOrEqualTo(curve.get(i - 1).get(1).asDouble());
        }

        Document html = Jsoup.parse(out.resolve("report.html").toFile());
        assertThat(html.select("script, link, img")).as("self-contained: nothing to load").isEmpty();
        assertThat(html.select("#hygiene li").text()).contains("Warm-up separated from timing", "Explicit synchronisation",
                "Identical inputs across backends", "Engine build apart from steady state", "GPU sampled during each run");
        assertThat(html.select("svg > title").eachText()).as("p50/p99 per batch at sequence length 32 (the middle one)")
                .contains("encoder_tiny, batch 1, seq 32: latency p50 / p99 (us)",
                "encoder_tiny, batch 4, seq 32: latency p50 / p99 (us)",
                "encoder_tiny, batch 1, seq 32: latency by percentile");
        assertThat(html.select("#throughput svg > title").eachText()).as("at the sequence length the other charts show")
                .containsExactly("encoder_tiny, seq 32: throughput vs batch");
        assertThat(html.select("#seqlen svg > title").eachText()).as("a chart per batch size, a line per configuration")
                .containsExactly("encoder_tiny, batch 1: p50 latency vs sequence length",
                        "encoder_tiny, batch 4: p50 latency vs sequence length");
        assertThat(html.select("#summary tbody tr")).hasSize(4);
        assertThat(html.select("#environment").text()).contains("ONNX Runtime");
    }
}
