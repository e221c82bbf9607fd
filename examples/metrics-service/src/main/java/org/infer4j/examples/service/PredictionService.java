package org.infer4j.examples.service;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.metrics.GpuSampler;
import org.infer4j.metrics.LatencyRecorder;
import org.infer4j.metrics.micrometer.GpuSamplerMetrics;
import org.infer4j.metrics.micrometer.LatencyRecorderMetrics;

/**
 * A prediction service that embeds infer4j and exposes its metrics to Prometheus through Micrometer, on the JDK's own
 * HTTP server. {@code POST /predict} takes one input row of a model with a float input {@code [batch, features]} as
 * comma-separated numbers and answers its first output the same way; {@code GET /metrics} is the Prometheus scrape:
 * the latency of each prediction ({@code infer4j_inference_latency_*}, tagged with the backend), the GPUs' readings
 * where NVML can be read ({@code infer4j_gpu_*}), and the requests refused ({@code predict_rejected_total}).
 *
 * <pre>PredictionService MODEL.onnx [PORT]      curl -d 0.1,0.2,... localhost:8080/predict</pre>
 */
public final class PredictionService implements AutoCloseable {
    private final InferenceEngine engine;
    private final LatencyRecorder latency = LatencyRecorder.create();
    private final GpuSampler gpus;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter rejected = registry.counter("predict.rejected");
    private final ExecutorService workers = Executors.newFixedThreadPool(4); // engine.run is thread-safe
    private final HttpServer server;

    /**
     * Loads the model and starts serving on {@code port} (0: any free port).
     *
     * @param snapshotMaxAge how old a latency snapshot a scrape may read (the binder copies the histogram once per age)
     * @throws IOException if the port cannot be bound
     * @throws org.infer4j.InferenceException if the model cannot be loaded
     */
    public PredictionService(Path model, int port, Duration snapshotMaxAge) throws IOException {
        engine = InferenceEngine.builder().model(model).build();
        gpus = GpuSampler.start(); // never throws for a missing GPU: it says it is unavailable
        try {
            server = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (IOException e) {
            gpus.close();
            engine.close();
            throw e;
        }
        new LatencyRecorderMetrics(latency, "infer4j.inference.latency", Tags.of("backend", engine.backend()), snapshotMaxAge)
                .bindTo(registry);
        new GpuSamplerMetrics(gpus).bindTo(registry);
        server.createContext("/predict", this::predict);
        server.createContext("/metrics", exchange -> respond(exchange, 200, registry.scrape()));
        server.setExecutor(workers);
        server.start();
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: PredictionService MODEL.onnx [PORT]");
            System.exit(2);
        }
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
        PredictionService service = new PredictionService(Path.of(args[0]), port, Duration.ofSeconds(1));
        Runtime.getRuntime().addShutdownHook(new Thread(service::close));
        System.out.println("serving " + args[0] + " on http://localhost:" + service.port() + "/predict and /metrics");
    }

    /** The port the server listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    private void predict(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            respond(exchange, 405, "POST the input as comma-separated numbers\n");
            return;
        }
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).strip();
        try (Tensor row = Tensor.of(parse(body), 1, body.split(",").length)) {
            long start = System.nanoTime();
            try (Outputs out = engine.run(Map.of(engine.inputs().get(0).name(), row))) {
                float[] result = out.get(engine.outputs().get(0).name()).toFloatArray();
                latency.record(System.nanoTime() - start);
                respond(exchange, 200, join(result));
            }
        } catch (NumberFormatException | InvalidInputException e) {
            rejected.increment();
            respond(exchange, 400, e.getMessage() + "\n");
        }
    }

    private static float[] parse(String csv) {
        String[] fields = csv.split(",");
        float[] values = new float[fields.length];
        for (int i = 0; i < fields.length; i++) {
            values[i] = Float.parseFloat(fields[i].strip());
        }
        return values;
    }

    private static String join(float[] values) {
        StringBuilder csv = new StringBuilder();
        for (float v : values) {
            csv.append(csv.length() == 0 ? "" : ",").append(v);
        }
        return csv.append('\n').toString();
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops serving (waiting up to a second for requests in flight), then closes the engine and the GPU sampler. */
    @Override
    public void close() {
        server.stop(1);
        workers.shutdown();
        engine.close();
        gpus.close();
        registry.close();
    }
}
