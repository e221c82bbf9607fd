package org.infer4j.bench;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.infer4j.DynamicBatching;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuSampler;
import org.infer4j.metrics.LatencyRecorder;
import org.infer4j.metrics.LatencySnapshot;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput under load, for the GPU machine: asynchronous pipelining and dynamic batching against
 * the synchronous, unbatched calls they replace, side by side in one run.
 * <ul>
 *   <li>{@code async}: one caller at batch {@code --batch} with host inputs, first calling
 *       {@code run} in a loop, then keeping each of {@code --in-flight} requests in flight with
 *       {@code runAsync}. The engine gets as many TensorRT contexts as the most requests in flight.</li>
 *   <li>{@code batching}: {@code --callers} threads each calling {@code run} at batch 1, on the plain
 *       engine and on one built with {@code dynamicBatching(--max-batch, --max-queue-delay-us)}; then,
 *       for each of {@code --rates}, an open loop offering that many batch-1 requests a second to
 *       the batching engine, for a curve of throughput and latency against offered load (latency is
 *       measured from each request's scheduled time, so a stall is not hidden).</li>
 * </ul>
 * Every case reports samples/s, latency p50 and p99, and the GPU's mean utilisation from NVML
 * where it can be read. Lines go to the console and, as CSV, to {@code --csv}.
 *
 * <pre>
 * java -cp 'infer4j-bench/target/lib/*:infer4j-bench/target/*' org.infer4j.bench.ThroughputBench -m resnet50.onnx --precision FP16 --graphs \
 *     --modes async,batching --csv results/throughput.csv
 * java -cp 'infer4j-bench/target/lib/*:infer4j-bench/target/*' org.infer4j.bench.ThroughputBench -m bert_base.onnx --seq 128 --modes batching
 * </pre>
 */
@Command(name = "throughput-bench", mixinStandardHelpOptions = true,
        description = "Asynchronous pipelining and dynamic batching against synchronous, unbatched calls.")
public final class ThroughputBench implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "the ONNX model")
    Path model;
    @Option(names = "--backend", defaultValue = "tensorrt", description = "backend (default ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--precision", defaultValue = "FP16", description = "FP32 or FP16 (default ${DEFAULT-VALUE})")
    Precision precision;
    @Option(names = "--graphs", description = "CUDA graphs on")
    boolean graphs;
    @Option(names = "--modes", split = ",", defaultValue = "async,batching", description = "async, batching")
    List<String> modes;
    @Option(names = "--batch", defaultValue = "32", description = "async mode's batch size (default ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--in-flight", split = ",", defaultValue = "1,2,3,4", description = "async mode's requests in flight")
    List<Integer> inFlight;
    @Option(names = "--callers", split = ",", defaultValue = "64", description = "batching mode's concurrent callers")
    List<Integer> callers;
    @Option(names = "--max-batch", defaultValue = "32", description = "dynamic batching's largest batch")
    int maxBatch;
    @Option(names = "--max-queue-delay-us", defaultValue = "2000", description = "dynamic batching's longest queue wait")
    long maxQueueDelayMicros;
    @Option(names = "--rates", split = ",", description = "offered batch-1 requests/s for the open-loop curve")
    List<Integer> rates = List.of();
    @Option(names = "--seq", defaultValue = "128", description = "size of unknown dimensions other than the batch")
    long seq;
    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per case")
    int seconds;
    @Option(names = "--warmup-seconds", defaultValue = "3", description = "unmeasured seconds before each case")
    int warmupSeconds;
    @Option(names = "--csv", description = "append one CSV line per case to this file")
    @Nullable Path csv;

    private final PrintStream out = System.out;
    private @Nullable GpuSampler gpu;

    /** One measured case. */
    private record Result(String mode, String caseName, int concurrency, double samplesPerSecond, LatencySnapshot latency,
                          double gpuUtilisation) {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ThroughputBench()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Result> results = new ArrayList<>();
        try (GpuSampler sampler = GpuSampler.start(Duration.ofMillis(50))) {
            gpu = sampler.isAvailable() ? sampler : null;
            if (modes.contains("async")) {
                results.addAll(asyncMode());
            }
            if (modes.contains("batching")) {
                results.addAll(batchingMode());
            }
        }
        if (csv != null) {
            writeCsv(csv, results);
        }
        return 0;
    }

    // ---- async ------------------------------------------------------------------------------------

    private List<Result> asyncMode() throws Exception {
        int contexts = inFlight.stream().mapToInt(Integer::intValue).max().orElse(1);
        List<Result> results = new ArrayList<>();
        try (InferenceEngine engine = builder(batch, batch, contexts).maxInFlight(contexts).build()) {
            Map<String, Tensor> in = inputs(engine, batch);
            try {
                results.add(report(measure("async", "sync run", 1, batch, () -> engine.run(in).close())));
                for (int k : inFlight) {
                    results.add(report(measureInFlight(engine, in, k)));
                }
            } finally {
                in.values().forEach(Tensor::close);
            }
        }
        return results;
    }

    /** One caller keeping {@code k} requests in flight: it waits for the oldest before sending the next. */
    private Result measureInFlight(InferenceEngine engine, Map<String, Tensor> in, int k) throws Exception {
        ArrayDeque<CompletableFuture<Outputs>> pending = new ArrayDeque<>();
        ArrayDeque<Long> sent = new ArrayDeque<>();
        LatencyRecorder latency = LatencyRecorder.create();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long start = 0;
        long end = 0;
        long done = 0;
        boolean measuring = false;
        while (true) {
            while (pending.size() < k) {
                sent.add(System.nanoTime());
                pending.add(engine.runAsync(in));
            }
            pending.poll().join().close();
            long now = System.nanoTime();
            long sentAt = sent.poll();
            if (!measuring && now >= warmupEnd) {
                measuring = true;
                start = now;
                end = start + TimeUnit.SECONDS.toNanos(seconds);
                continue;
            }
            if (measuring) {
                latency.record(now - sentAt);
                done++;
                if (now >= end) {
                    break;
                }
            }
        }
        long stop = System.nanoTime();
        for (CompletableFuture<Outputs> f : pending) {
            f.join().close();
        }
        return new Result("async", "runAsync", k, done * (double) batch / ((stop - start) / 1e9), latency.snapshot(),
                gpuUtilisation(start, stop));
    }

    // ---- batching ---------------------------------------------------------------------------------

    private List<Result> batchingMode() throws Exception {
        List<Result> results = new ArrayList<>();
        int contexts = 2;
        try (InferenceEngine plain = builder(1, maxBatch, Math.max(contexts, 4)).build()) {
            for (int c : callers) {
                results.add(report(closedLoop(plain, "unbatched", c)));
            }
        }
        DynamicBatching batching = DynamicBatching.of(maxBatch, Duration.ofNanos(maxQueueDelayMicros * 1000));
        try (InferenceEngine batched = builder(maxBatch, maxBatch, contexts).dynamicBatching(batching).build()) {
            for (int c : callers) {
                results.add(report(closedLoop(batched, "dynamic batching", c)));
            }
            for (int rate : rates) {
                results.add(report(openLoop(batched, rate)));
            }
        }
        return results;
    }

    /** {@code callers} threads each calling {@code run} at batch 1 as fast as it returns. */
    private Result closedLoop(InferenceEngine engine, String caseName, int callerCount) throws Exception {
        LatencyRecorder latency = LatencyRecorder.create();
        AtomicLong done = new AtomicLong();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch finished = new CountDownLatch(callerCount);
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < callerCount; i++) {
            Thread caller = new Thread(() -> {
                Map<String, Tensor> in = inputs(engine, 1);
                try {
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        engine.run(in).close();
                        long t1 = System.nanoTime();
                        if (t0 >= warmupEnd) {
                            latency.record(t1 - t0);
                            done.incrementAndGet();
                        }
                    }
                } catch (RuntimeException e) {
                    failures.add(e);
                } finally {
                    in.values().forEach(Tensor::close);
                    finished.countDown();
                }
            }, "caller-" + i);
            caller.setDaemon(true);
            caller.start();
        }
        finished.await();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a caller failed", failures.get(0));
        }
        return new Result("batching", caseName, callerCount, done.get() / (double) seconds, latency.snapshot(),
                gpuUtilisation(warmupEnd, end));
    }

    /** Batch-1 requests offered at {@code rate} a second, whatever the engine does. */
    private Result openLoop(InferenceEngine engine, int rate) throws Exception {
        LatencyRecorder latency = LatencyRecorder.create();
        AtomicLong done = new AtomicLong();
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<CompletableFuture<Void>> measured = new ArrayList<>();
        Map<String, Tensor> in = inputs(engine, 1); // read-only for every request: inputs are not written while in flight
        try {
            long scheduled = System.nanoTime();
            while (scheduled < end) {
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                long due = scheduled;
                boolean counted = due >= start;
                CompletableFuture<Void> f = engine.runAsync(in).thenAccept(o -> {
                    o.close();
                    if (counted) {
                        latency.record(System.nanoTime() - due);
                        done.incrementAndGet();
                    }
                });
                if (counted) {
                    measured.add(f);
                }
                scheduled += interval;
            }
            CompletableFuture.allOf(measured.toArray(CompletableFuture[]::new)).join();
        } finally {
            in.values().forEach(Tensor::close);
        }
        long stop = System.nanoTime();
        return new Result("batching", "open loop at " + rate + "/s", rate, done.get() / ((stop - start) / 1e9),
                latency.snapshot(), gpuUtilisation(start, stop));
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** A measured loop of {@code call}, each of {@code samples} samples, after the warm-up. */
    private Result measure(String mode, String caseName, int concurrency, int samples, Runnable call) {
        LatencyRecorder latency = LatencyRecorder.create();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        while (System.nanoTime() < warmupEnd) {
            call.run();
        }
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long done = 0;
        long now = start;
        while (now < end) {
            long t0 = now;
            call.run();
            now = System.nanoTime();
            latency.record(now - t0);
            done++;
        }
        return new Result(mode, caseName, concurrency, done * (double) samples / ((now - start) / 1e9), latency.snapshot(),
                gpuUtilisation(start, now));
    }

    /**
     * The builder for the model with a shape range from {@code optimal} to {@code max} rows and
     * {@link #seq} in other unknown dimensions, and {@code contexts} TensorRT contexts.
     */
    private EngineBuilder builder(long optimal, long max, int contexts) {
        EngineBuilder b = InferenceEngine.builder().model(model).backend(backend).precision(precision).cudaGraphs(graphs);
        if (backend.equals("tensorrt")) {
            b.option("contextPoolSize", Integer.toString(contexts)); // the backends are not compiled against
        }
        try (InferenceEngine probe = InferenceEngine.builder().model(model).backend("ort-cpu").build()) {
            for (TensorInfo info : probe.inputs()) {
                long[] min = dims(info, 1);
                if (info.shape().rank() > 0 && info.shape().dim(0) == Shape.UNKNOWN) {
                    b.shapeRange(info.name(), min, dims(info, optimal), dims(info, max));
                }
            }
        }
        return b;
    }

    private long[] dims(TensorInfo info, long rows) {
        long[] d = info.shape().toArray();
        for (int i = 0; i < d.length; i++) {
            if (d[i] == Shape.UNKNOWN) {
                d[i] = i == 0 ? rows : seq;
            }
        }
        return d;
    }

    /** Host inputs of {@code rows} rows with values in each type's usual range (token ids below 1000). */
    private Map<String, Tensor> inputs(InferenceEngine engine, long rows) {
        Random random = new Random(rows);
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (TensorInfo info : engine.inputs()) {
            Tensor t = Tensor.allocate(info.elementType(), dims(info, rows));
            ByteBuffer b = t.buffer();
            switch (info.elementType()) {
                case FLOAT32 -> {
                    while (b.remaining() >= 4) {
                        b.putFloat((float) random.nextGaussian());
                    }
                }
                case INT64 -> {
                    while (b.remaining() >= 8) {
                        b.putLong(1 + random.nextInt(999));
                    }
                }
                case INT32 -> {
                    while (b.remaining() >= 4) {
                        b.putInt(1 + random.nextInt(999));
                    }
                }
                default -> { } // zeros: a valid value of every other type
            }
            in.put(info.name(), t);
        }
        return in;
    }

    private double gpuUtilisation(long fromNanos, long toNanos) {
        GpuSampler g = gpu;
        return g == null ? Double.NaN : g.summary(0, GpuMetric.GPU_UTILIZATION, fromNanos, toNanos).mean();
    }

    private Result report(Result r) {
        out.printf(Locale.ROOT, "%-8s %-26s %6d  %12.1f samples/s  p50 %9.1f us  p99 %9.1f us  GPU %5.1f %%%n", r.mode(),
                r.caseName(), r.concurrency(), r.samplesPerSecond(), r.latency().p50() / 1e3, r.latency().p99() / 1e3,
                r.gpuUtilisation());
        return r;
    }

    private void writeCsv(Path file, List<Result> results) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        if (!Files.exists(file)) {
            sb.append("model,backend,precision,graphs,mode,case,concurrency,samples_per_s,p50_us,p99_us,gpu_util_pct\n");
        }
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%s,%s,%d,%.1f,%.1f,%.1f,%.1f%n", model.getFileName(), backend,
                    precision, graphs, r.mode(), r.caseName(), r.concurrency(), r.samplesPerSecond(), r.latency().p50() / 1e3,
                    r.latency().p99() / 1e3, r.gpuUtilisation()));
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, sb, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
}
