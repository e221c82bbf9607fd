package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark end to end on the shipped tiny models, with ONNX Runtime's CPU backend and test doubles. */
class BenchmarkTest {
    private static final Path MODELS = Path.of("..", "models");
    private static final String MLP = MODELS.resolve("mlp_tiny.onnx").toString();
    private static final String ENCODER = MODELS.resolve("encoder_tiny.onnx").toString();
    private static final String DTYPES = MODELS.resolve("dtypes.onnx").toString();

    @TempDir
    Path out;

    /** ort-cpu as discovered, and the test doubles, without probing the GPU backends. */
    private static Backends cpuAndDoubles() {
        BackendProvider ortCpu = Backends.discover().find("ort-cpu").orElseThrow();
        return Backends.of(ortCpu, new OffsetBackendProvider(), new UnavailableBackendProvider());
    }

    private record Result(int exitCode, String console, String errors) {
    }

    private Result run(@Nullable Backends registry, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--out", out.toString()));
        StringWriter console = new StringWriter();
        StringWriter errors = new StringWriter();
        int code = Benchmark.commandLine(registry).setOut(new PrintWriter(console)).setErr(new PrintWriter(errors))
                .execute(all.toArray(String[]::new));
        return new Result(code, console.toString(), errors.toString());
    }

    private List<JsonNode> jsonResults() throws IOException {
        return RunJsons.in(out);
    }

    private List<String> csvLines() throws IOException {
        return Files.readAllLines(out.resolve("results.csv"));
    }

    @Test
    void accuracyAgainstTheReferencesFp32IsPartOfTheResultAndABreachIsMarked() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu,test-offset", "--warmup", "2",
                "--iterations", "5", "--accuracy-inputs", "12");

        assertThat(r.console()).containsPattern("ort-cpu FP32 over 12 inputs: max-abs 0(\\.0+)?, cosine 1\\.000000, top-1 1\\.0000\\n")
                .contains("OUTSIDE THE BOUND: cosine similarity");
        assertThat(jsonResults()).hasSize(2).allSatisfy(json -> {
            assertThat(json.at("/accuracy/inputs").asInt()).isEqualTo(12);
            assertThat(json.at("/accuracy/within_bound").asBoolean())
                    .isEqualTo("ort-cpu".equals(json.get("backend").asText()));
        });
    }

    @Test
    void int8OnABackendThatCannotRunItIsAFailureThatSaysWhy() {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--precision", "INT8", "--warmup", "1",
                "--iterations", "2", "--int8-calibration-batches", "2");

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.console()).contains("FAILED mlp_tiny.onnx on ort-cpu INT8").contains("Precision.INT8 does not apply");
    }

    @Test
    void aFloat16ModelRunAtTheFp32SettingIsLabelledAsSuch() throws IOException {
        String fp16 = MODELS.resolve("zoo").resolve("tiny").resolve("fp16_mlp.onnx").toString();

        Result r = run(cpuAndDoubles(), "--model", fp16, "--backend", "ort-cpu", "--warmup", "2", "--iterations", "5");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(jsonResults()).singleElement().satisfies(json -> {
            assertThat(json.get("precision").asText()).isEqualTo("FP16 model (FP32 setting)");
            assertThat(json.at("/inputs/input/dtype").asText()).isEqualTo("FLOAT16");
        });
        assertThat(csvLines().get(1)).contains("FP16 model (FP32 setting)");
    }

    @Test
    void measuresTheMlpOnOrtCpuAndWritesJsonWithEveryField() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--warmup", "5", "--iterations", "50");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(r.console()).contains("mean us", "p50 us", "p99 us", "throughput/s", "rmse")
                .containsPattern("mlp_tiny.onnx +ort-cpu +FP32 +1 .*ok vs ort-cpu");
        List<JsonNode> results = jsonResults();
        assertThat(results).hasSize(1);
        JsonNode json = results.get(0);
        assertThat(json.fieldNames()).toIterable().contains("model", "backend", "precision", "batch", "inputs", "warmup",
                "iterations", "build_ms", "latency_us", "throughput_fps", "agreement", "device", "versions", "timestamp",
                "hostname");
        assertThat(json.get("model").asText()).isEqualTo("mlp_tiny.onnx");
        assertThat(json.get("backend").asText()).isEqualTo("ort-cpu");
        assertThat(json.get("precision").asText()).isEqualTo("FP32");
        assertThat(json.get("batch").asInt()).isEqualTo(1);
        assertThat(json.get("warmup").asInt()).isEqualTo(5);
        assertThat(json.get("iterations").asInt()).isEqualTo(50);
        assertThat(json.get("build_ms").asDouble()).isPositive();
        assertThat(json.at("/inputs/input/dtype").asText()).isEqualTo("FLOAT32");
        assertThat(json.at("/inputs/input/shape").toString()).isEqualTo("[1,16]");

        JsonNode latency = json.get("latency_us");
        assertThat(latency.fieldNames()).toIterable()
                .containsExactly("mean", "median", "min", "max", "std", "p90", "p95", "p99", "p999");
        assertThat(latency.get("min").asDouble()).isPositive();
        assertThat(latency.get("min").asDouble()).isLessThanOrEqualTo(latency.get("median").asDouble());
        assertThat(latency.get("median").asDouble()).isLessThanOrEqualTo(latency.get("p99").asDouble());
        assertThat(latency.get("p99").asDouble()).isLessThanOrEqualTo(latency.get("max").asDouble());
        assertThat(json.get("throughput_fps").asDouble()).isPositive();

        JsonNode agreement = json.get("agreement");
        assertThat(agreement.get("reference").asText()).isEqualTo("ort-cpu");
        assertThat(agreement.get("rmse").asDouble()).isZero();
        assertThat(agreement.get("mae").asDouble()).isZero();
        assertThat(agreement.get("max_abs").asDouble()).isZero();
        assertThat(agreement.get("tolerance").asDouble()).isEqualTo(2e-3);
        assertThat(agreement.get("passed").asBoolean()).isTrue();

        assertThat(json.at("/device/backend").asText()).contains("ONNX Runtime");
        assertThat(json.at("/versions/infer4j").asText()).isNotBlank().isNotEqualTo("unknown");
        assertThat(json.at("/versions/java").asText()).contains(System.getProperty("java.runtime.version"));
        assertThat(json.at("/versions/onnxruntime").asText()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(json.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(json.get("hostname").asText()).isNotBlank();

        assertThat(csvLines()).hasSize(2);
        assertThat(csvLines().get(0)).startsWith("timestamp,model,backend,precision,batch");
        assertThat(csvLines().get(1)).contains(",mlp_tiny.onnx,ort-cpu,FP32,1,");
    }

    @Test
    void feedsTheEncoderTokenIdsAndMasksOfTheBatchAndSequenceLength() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", ENCODER, "--backend", "ort-cpu", "--batch", "2", "--seq-len", "8",
                "--warmup", "2", "--iterations", "20");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        JsonNode json = jsonResults().get(0);
        assertThat(json.get("batch").asInt()).isEqualTo(2);
        assertThat(json.get("seq_len").asInt()).isEqualTo(8);
        assertThat(json.at("/inputs/input_ids/dtype").asText()).isEqualTo("INT64");
        assertThat(json.at("/inputs/input_ids/shape").toString()).isEqualTo("[2,8]");
        assertThat(json.at("/inputs/attention_mask/shape").toString()).isEqualTo("[2,8]");
        assertThat(json.at("/agreement/passed").asBoolean()).isTrue();
    }

    @Test
    void writesOneResultPerModelAndWorkload() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP + "," + ENCODER, "--model", DTYPES, "--backend", "ort-cpu",
                "--batch", "1,3", "--seq-len", "4", "--warmup", "1", "--iterations", "5");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(jsonResults()).hasSize(6)
                .extracting(j -> j.get("model").asText() + "/" + j.get("batch").asInt())
                .containsExactlyInAnyOrder("mlp_tiny.onnx/1", "mlp_tiny.onnx/3", "encoder_tiny.onnx/1", "encoder_tiny.onnx/3",
                        "dtypes.onnx/1", "dtypes.onnx/3");
        assertThat(csvLines()).hasSize(7);
    }

    @Test
    void aBackendWithWrongOutputsFailsTheAgreementAndTheExitStatus() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu,test-offset", "--warmup", "1", "--iterations", "5");

        assertThat(r.exitCode()).isEqualTo(Benchmark.EXIT_FAILED);
        assertThat(r.console()).contains("FAIL vs ort-cpu (tol 2.00e-03 x 1.00e+00)");
        JsonNode offset = jsonResults().stream().filter(j -> j.get("backend").asText().equals("test-offset")).findFirst()
                .orElseThrow();
        assertThat(offset.at("/agreement/passed").asBoolean()).isFalse();
        assertThat(offset.at("/agreement/max_abs").asDouble()).isCloseTo(OffsetBackendProvider.OFFSET, within(1e-6));
        assertThat(offset.at("/agreement/rmse").asDouble()).isCloseTo(OffsetBackendProvider.OFFSET, within(1e-6));
    }

    @Test
    void anUnavailableBackendIsReportedWithItsReasonAndTheOthersStillRun() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "test-unavailable,ort-cpu", "--iterations", "5");

        assertThat(r.exitCode()).isEqualTo(Benchmark.EXIT_FAILED);
        assertThat(r.console()).contains("FAILED", "test-unavailable", "libtest.so.1 not found");
        assertThat(jsonResults()).extracting(j -> j.get("backend").asText()).containsExactly("ort-cpu");
    }

    @Test
    void withoutBackendsEveryAvailableOneIsMeasured() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--iterations", "5", "--tolerance", "1");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(r.console()).contains("not measured, unavailable here: test-unavailable");
        assertThat(jsonResults()).extracting(j -> j.get("backend").asText())
                .containsExactlyInAnyOrder("ort-cpu", "test-offset");
        assertThat(jsonResults()).allSatisfy(j -> assertThat(j.at("/agreement/tolerance").asDouble()).isEqualTo(1));
    }

    @Test
    void anUnavailableReferenceSkipsTheAgreementWithTheReason() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--reference", "test-unavailable",
                "--iterations", "5");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(r.console()).contains("skipped");
        JsonNode agreement = jsonResults().get(0).get("agreement");
        assertThat(agreement.get("compared").asBoolean()).isFalse();
        assertThat(agreement.get("note").asText()).contains("test-unavailable").contains("libtest.so.1 not found");
    }

    @Test
    void noReferenceMeansNoComparison() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "test-offset", "--reference", "none", "--iterations", "5");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(jsonResults().get(0).at("/agreement/compared").asBoolean()).isFalse();
    }

    @Test
    void aPrecisionABackendRefusesIsReportedAndTheOtherPrecisionsRun() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--precision", "fp32,FP16", "--iterations", "5");

        assertThat(r.exitCode()).isEqualTo(Benchmark.EXIT_FAILED);
        assertThat(r.console()).contains("FAILED mlp_tiny.onnx on ort-cpu FP16").contains("FP16");
        assertThat(jsonResults()).extracting(j -> j.get("precision").asText()).containsExactly("FP32");
    }

    @Test
    void aDurationMeasuresForThatLong() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--warmup", "0", "--duration", "100ms");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        JsonNode json = jsonResults().get(0);
        assertThat(json.get("duration_s").asDouble()).isEqualTo(0.1);
        assertThat(json.get("iterations").asLong()).isPositive();
    }

    @Test
    void aShapeForNoInputNamesTheModelsInputs() {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--shape", "pixels=1x16", "--iterations", "5");

        assertThat(r.exitCode()).isEqualTo(Benchmark.EXIT_FAILED);
        assertThat(r.console()).contains("'pixels'").contains("input: FLOAT32[batch, 16]");
    }

    @Test
    void anExplicitShapeIsFedAsGiven() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--shape", "input=5x16", "--iterations", "5");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(jsonResults().get(0).get("batch").asInt()).isEqualTo(5);
        assertThat(jsonResults().get(0).at("/inputs/input/shape").toString()).isEqualTo("[5,16]");
    }

    @Test
    void optionsReachTheirBackendAndItsResults() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu,test-offset", "--reference", "none",
                "--option", "ort-cpu:session.session.intra_op.allow_spinning=0", "--iterations", "5");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(jsonResults()).filteredOn(j -> j.get("backend").asText().equals("ort-cpu")).singleElement()
                .satisfies(j -> assertThat(j.at("/options/session.session.intra_op.allow_spinning").asText()).isEqualTo("0"));
        assertThat(jsonResults()).filteredOn(j -> j.get("backend").asText().equals("test-offset")).singleElement()
                .satisfies(j -> assertThat(j.get("options").size()).isZero());
    }

    @Test
    void anOptionTheBackendDoesNotKnowFailsItsRunNamingTheOption() {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--option", "bogus=1", "--iterations", "5");

        assertThat(r.exitCode()).isEqualTo(Benchmark.EXIT_FAILED);
        assertThat(r.console()).contains("'bogus'");
    }

    @Test
    void theDeviceInfoIsRecorded() throws IOException {
        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--device-info", "NVIDIA H100, 580.65",
                "--iterations", "5");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(jsonResults().get(0).at("/device/info").asText()).isEqualTo("NVIDIA H100, 580.65");
    }

    @Test
    void backendsAreFoundThroughServiceLoader() throws IOException {
        Result r = run(null, "--model", MLP, "--backend", "ort-cpu,test-offset", "--iterations", "5", "--tolerance", "1");

        assertThat(r.exitCode()).as(r.console() + r.errors()).isZero();
        assertThat(jsonResults()).extracting(j -> j.get("backend").asText()).containsExactlyInAnyOrder("ort-cpu", "test-offset");
    }

    @Test
    void usageErrorsExitWithTwoAndSayWhatIsWrong() {
        Result noModel = run(cpuAndDoubles(), "--backend", "ort-cpu");
        Result both = run(cpuAndDoubles(), "--model", MLP, "--iterations", "5", "--duration", "1s");
        Result badDuration = run(cpuAndDoubles(), "--model", MLP, "--duration", "soon");
        Result badPrecision = run(cpuAndDoubles(), "--model", MLP, "--precision", "FP64");
        Result badShape = run(cpuAndDoubles(), "--model", MLP, "--shape", "input=1xN");
        Result badIterations = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--iterations", "0");

        assertThat(noModel.exitCode()).isEqualTo(2);
        assertThat(noModel.errors()).contains("--model");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.errors()).contains("mutually exclusive");
        assertThat(badDuration.exitCode()).isEqualTo(2);
        assertThat(badDuration.errors()).contains("'soon' is not a duration");
        assertThat(badPrecision.exitCode()).isEqualTo(2);
        assertThat(badPrecision.errors()).contains("FP64");
        assertThat(badShape.exitCode()).isEqualTo(2);
        assertThat(badShape.errors()).contains("'1xN' is not a shape");
        assertThat(badIterations.exitCode()).isEqualTo(2);
        assertThat(badIterations.errors()).contains("--iterations must be at least 1");
    }

    @Test
    void aResultsCsvWithAnotherVersionsColumnsStopsTheRunBeforeAnythingIsMeasured() throws IOException {
        Files.writeString(out.resolve("results.csv"), "timestamp,model,backend\n2026-11-01T00:00:00Z,mlp.onnx,ort-cpu\n");

        Result r = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--iterations", "5");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errors()).contains("results.csv has other columns than this version writes", "give another --out");
        assertThat(jsonResults()).as("nothing measured").isEmpty();
        assertThat(csvLines()).hasSize(2);
    }

    @Test
    void rowsAreAppendedToAResultsCsvOfTheseColumns() throws IOException {
        run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--iterations", "5");

        Result again = run(cpuAndDoubles(), "--model", MLP, "--backend", "ort-cpu", "--iterations", "5");

        assertThat(again.exitCode()).as(again.errors()).isZero();
        assertThat(csvLines()).hasSize(3);
    }

    @Test
    void durationsReadWithUnits() {
        Benchmark.DurationConverter converter = new Benchmark.DurationConverter();

        assertThat(converter.convert("10s")).hasSeconds(10);
        assertThat(converter.convert("500ms")).hasMillis(500);
        assertThat(converter.convert("2m")).hasMinutes(2);
        assertThat(converter.convert("1.5")).hasMillis(1500);
    }
}
