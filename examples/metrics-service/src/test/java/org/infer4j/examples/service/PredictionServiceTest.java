package org.infer4j.examples.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service on the shipped MLP (16 inputs, 4 outputs), on a free port of the loopback interface. */
class PredictionServiceTest {
    static final Path MODEL = Path.of(System.getProperty("models.dir"), "mlp_tiny.onnx");
    static final String ROW = "0.5,-1,2,0,1,1,1,1,-0.25,3,0,0,0.5,0.5,-2,1";
    final HttpClient http = HttpClient.newHttpClient();
    PredictionService service;

    @BeforeEach
    void start() throws IOException {
        // a snapshot of age zero: each scrape sees every prediction made before it
        service = new PredictionService(MODEL, 0, Duration.ZERO);
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void predictAnswersTheModelsOutputForTheRow() throws Exception {
        HttpResponse<String> response = post("/predict", ROW);
        assertThat(response.statusCode()).isEqualTo(200);
        float[] served = parse(response.body());

        float[] row = parse(ROW);
        try (InferenceEngine engine = InferenceEngine.builder().model(MODEL).backend("ort-cpu").build();
             Tensor x = Tensor.of(row, 1, 16); Outputs out = engine.run(Map.of("input", x))) {
            assertThat(served).containsExactly(out.get("output").toFloatArray(), within(1e-6f));
        }
    }

    @Test
    void aRowOfTheWrongLengthOrNotNumbersIsABadRequestThatSaysWhy() throws Exception {
        HttpResponse<String> tooShort = post("/predict", "1,2,3");
        assertThat(tooShort.statusCode()).isEqualTo(400);
        assertThat(tooShort.body()).contains("dimension 1 is 3, expected 16");
        HttpResponse<String> words = post("/predict", "one,two");
        assertThat(words.statusCode()).isEqualTo(400);
        assertThat(words.body()).contains("one");
    }

    @Test
    void predictOnlyTakesPost() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/predict")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(405);
    }

    @Test
    void theScrapeCountsEveryPredictionAndEveryRefusal() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(post("/predict", ROW).statusCode()).isEqualTo(200);
        }
        assertThat(post("/predict", "1,2").statusCode()).isEqualTo(400);

        HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(uri("/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        String metrics = scrape.body();
        String backend = "{backend=\"" + "ort-cpu" + "\"}";
        assertThat(sample(metrics, "infer4j_inference_latency_count_total" + backend)).isEqualTo(3.0);
        assertThat(sample(metrics, "infer4j_inference_latency_p50_seconds" + backend)).isPositive();
        assertThat(sample(metrics, "infer4j_inference_latency_max_seconds" + backend))
                .isGreaterThanOrEqualTo(sample(metrics, "infer4j_inference_latency_p50_seconds" + backend));
        assertThat(sample(metrics, "predict_rejected_total")).isEqualTo(1.0);
        assertThat(sample(metrics, "infer4j_gpu_sample_errors_total")).isZero();
    }

    @Test
    void aPortInUseIsAnIOException() {
        assertThatThrownBy(() -> new PredictionService(MODEL, service.port(), Duration.ZERO)).isInstanceOf(BindException.class);
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.port() + path);
    }

    /** The value of the sample {@code name} (with its labels) in a Prometheus text scrape. */
    private static double sample(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("a sample %s in%n%s", name, scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static float[] parse(String csv) {
        String[] fields = csv.strip().split(",");
        float[] values = new float[fields.length];
        Arrays.setAll(fields, i -> fields[i].strip());
        for (int i = 0; i < fields.length; i++) {
            values[i] = Float.parseFloat(fields[i]);
        }
        return values;
    }
}
