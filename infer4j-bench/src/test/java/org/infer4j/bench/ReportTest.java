package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The report rebuilt from run JSONs on disk, including runs written before the study's fields existed. */
class ReportTest {
    /** A run as the benchmark wrote it on the H100 before issue 5: no profile, threads, load, curve, hygiene or pytorch. */
    private static final String OLD_RUN = """
            {"timestamp": "2026-11-25T13:08:10.476891684Z", "hostname": "vm", "model": "gru.onnx",
             "model_path": "/opt/gpu/models/gru.onnx", "backend": "tensorrt", "precision": "FP16", "batch": 1, "seq_len": null,
             "cuda_graphs": false, "inputs": {"input": {"dtype": "FLOAT32", "shape": [1, 30, 4]}}, "warmup": 200,
             "iterations": 6417, "duration_s": 3.0, "seed": 42, "build_ms": 12685.4,
             "latency_us": {"mean": 466.9, "median": 436.7, "min": 300.1, "max": 2500.0, "std": 80.0, "p90": 520.0,
                            "p95": 560.0, "p99": 620.0, "p999": 825.9},
             "throughput_fps": 2138.7, "gpu_sample_period": "100ms",
             "gpu": {"sample_period_ms": 100.0, "available": true, "windows": 1, "window_ms": 3000.0, "sample_errors": 0,
                     "devices": [{"index": 0, "name": "NVIDIA H100 80GB HBM3", "sample_count": 4,
                                  "summary": {"gpu_utilization_percent": {"count": 4, "min": 10, "mean": 55.0, "max": 80, "p95": 80}},
                                  "series": {"t_ms": [0, 100, 200, 300], "gpu_utilization_percent": [10, 60, 70, 80]}}]},
             "agreement": {"reference": "ort-cpu", "compared": true, "passed": true},
             "device": {"backend": "TensorRT 10.6.0 on NVIDIA H100 80GB HBM3 (sm_90)", "device_index": "0",
                        "info": "NVIDIA H100 80GB HBM3, 580.159.04, 81559 MiB, 9.0"},
             "versions": {"infer4j": "0.1.0-SNAPSHOT", "tensorrt": "10.6.0"}}
            """;

    @TempDir
    Path dir;

    @Test
    void rebuildsTheReportFromOldRunsWithPyTorchBesideThemAndNotesWhatItSkipped() throws IOException {
        Path bench = Files.createDirectories(dir.resolve("bench"));
        Files.writeString(bench.resolve("gru_tensorrt_fp16_b1.json"), OLD_RUN);
        Files.writeString(bench.resolve("gru-graphs.json"), "{\"model\": \"gru\", \"cases\": []}");
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("gru.json"), """
                {"inputs": {"input": {"shape": [1, 30, 4], "dtype": "float32"}},
                 "pytorch_fp16": {"eager_us": 234.26, "cuda_graph_us": 57.97}}
                """);
        Path html = dir.resolve("report.html");
        StringWriter console = new StringWriter();

        int code = new CommandLine(new Report()).setOut(new PrintWriter(console)).execute("--out", html.toString(),
                "--pytorch-json", models.toString(), bench.toString());

        assertThat(code).isZero();
        Document doc = Jsoup.parse(html.toFile());
        assertThat(doc.select("#notes").text()).contains("skipped 1 file(s), not a benchmark run", "bench/gru-graphs.json");
        assertThat(doc.select("#environment").text()).contains("NVIDIA H100 80GB HBM3, 580.159.04", "tensorrt 10.6.0");
        assertThat(doc.select("#hygiene").text()).contains("200 untimed runs", "1 of 1 runs carry NVML samples");
        assertThat(doc.select("#latency svg text").eachText()).contains("tensorrt FP16", "PyTorch eager FP16",
                "PyTorch CUDA graph FP16");
        assertThat(doc.select("#latency svg > title").eachText()).containsExactly("gru, batch 1: latency p50 / p99 (us)");
        assertThat(doc.select("#distribution svg path")).as("a percentile curve from the summary percentiles").hasSize(1);
        assertThat(doc.select("#gpu svg > title").eachText()).containsExactly("gru, batch 1: GPU utilisation");
        assertThat(doc.select("#throughput .empty").text()).contains("one batch size per configuration");
        assertThat(doc.select("#threads .empty").text()).contains("several thread counts");
        assertThat(doc.select("#summary td").eachText()).contains("234.3", "58.0", "436.7");
    }
}
