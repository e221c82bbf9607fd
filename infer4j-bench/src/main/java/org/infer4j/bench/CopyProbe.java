package org.infer4j.bench;

import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphInstantiate;
import static org.bytedeco.cuda.global.cudart.cudaGraphLaunch;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaStreamBeginCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamCaptureModeThreadLocal;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamEndCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.Pointer;
import org.infer4j.bench.internal.Environment;
import org.infer4j.metrics.LatencyRecorder;
import org.infer4j.metrics.LatencySnapshot;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One copy between page-locked host memory and the GPU, enqueued with {@code cudaMemcpyAsync} and
 * replayed from a CUDA graph that captured the same call, per size and direction: the GPU time of
 * one copy (CUDA events around many back to back) and the p50 of one copy and its
 * {@code cudaStreamSynchronize}: what a copy costs a call by size, and whether a graph runs it
 * any faster (on an H100 never by more than 0.5 µs: benchmarks/results/h100/2026-11-25f). The
 * cost a call saves when TensorRT reads and writes small host tensors in place
 * ({@code TensorRtSettings.zeroCopyLimit}) is of this order; GraphBench {@code --zero-copy-limits}
 * measures that directly.
 *
 * <pre>
 * java -cp 'infer4j-bench/target/lib/*' org.infer4j.bench.CopyProbe --sizes 1024,65536 --out results/copies.json
 * </pre>
 *
 * Exit status 0 when every size was measured, 1 when CUDA could not be used, 2 for a usage error.
 */
@Command(name = "infer4j-copy-probe", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        description = "Host-GPU copies as cudaMemcpyAsync and as a CUDA graph's copy: GPU time and copy+sync latency by size.")
public final class CopyProbe implements Callable<Integer> {
    private static final int HOST_TO_DEVICE = 1;
    private static final int DEVICE_TO_HOST = 2;
    private static final int NON_BLOCKING_STREAM = 1;

    @Spec
    private @Nullable CommandSpec spec;

    @Option(names = "--sizes", split = ",", paramLabel = "BYTES",
            defaultValue = "64,1024,4096,8192,16384,32768,65536,131072,262144,524288,1048576",
            description = "Copy sizes in bytes (default: ${DEFAULT-VALUE}).")
    private List<Long> sizes = new ArrayList<>();

    @Option(names = "--warmup", defaultValue = "500", description = "Untimed copies per case (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = {"-n", "--runs"}, defaultValue = "2000",
            description = "Timed copies per case, back to back and one at a time (default: ${DEFAULT-VALUE}).")
    private int runs;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the results as JSON here.")
    private @Nullable Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new CopyProbe()).execute(args));
    }

    /** One size, direction and way of enqueuing. */
    record Case(long bytes, String direction, String way, double gpuMicrosPerCopy, double p50Micros, double p99Micros) {
    }

    @Override
    public Integer call() throws IOException {
        CommandLine cl = Objects.requireNonNull(spec, "picocli injects the spec").commandLine();
        if (runs < 1 || warmup < 0 || sizes.isEmpty() || sizes.stream().anyMatch(b -> b < 1)) {
            throw new CommandLine.ParameterException(cl, "--runs must be >= 1, --warmup >= 0 and every size >= 1 byte");
        }
        PrintWriter console = cl.getOut();
        List<Case> cases = new ArrayList<>();
        long largest = sizes.stream().mapToLong(Long::longValue).max().orElseThrow();
        Resources r;
        try {
            r = new Resources(largest);
        } catch (LinkageError e) {
            cl.getErr().println("CUDA cannot be loaded here (" + e + "); `java -cp 'infer4j-bench/target/lib/*' "
                    + "org.infer4j.Backends` says what is missing");
            return 1;
        } catch (IllegalStateException e) {
            cl.getErr().println(e.getMessage());
            return 1;
        }
        try (r) {
            console.printf("%10s %-6s %-8s %14s %10s %10s%n", "bytes", "copy", "as", "GPU µs/copy", "p50 µs", "p99 µs");
            for (long bytes : sizes) {
                for (int direction : new int[] {HOST_TO_DEVICE, DEVICE_TO_HOST}) {
                    Copy copy = direction == HOST_TO_DEVICE ? () -> enqueue(r.device, r.host, bytes, direction, r.stream)
                            : () -> enqueue(r.host, r.device, bytes, direction, r.stream);
                    cases.add(measure(bytes, direction, "async", copy, r, console));
                    CUgraph_st graph = new CUgraph_st();
                    CUgraphExec_st exec = new CUgraphExec_st();
                    try {
                        check(cudaStreamBeginCapture(r.stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
                        copy.enqueue();
                        check(cudaStreamEndCapture(r.stream, graph), "cudaStreamEndCapture");
                        check(cudaGraphInstantiate(exec, graph, 0L), "cudaGraphInstantiate");
                        cases.add(measure(bytes, direction, "graph", () -> check(cudaGraphLaunch(exec, r.stream),
                                "cudaGraphLaunch"), r, console));
                    } finally {
                        if (!exec.isNull()) {
                            cudaGraphExecDestroy(exec);
                        }
                        if (!graph.isNull()) {
                            cudaGraphDestroy(graph);
                        }
                    }
                }
            }
        }
        if (out != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("warmup", warmup);
            json.put("runs", runs);
            json.put("infer4j", Environment.infer4jVersion());
            json.put("timestamp", Instant.now().toString());
            json.put("cases", cases);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        }
        return 0;
    }

    /** Enqueues one copy on the stream. */
    @FunctionalInterface
    private interface Copy {
        void enqueue();
    }

    private Case measure(long bytes, int direction, String way, Copy copy, Resources r, PrintWriter console) {
        CUstream_st stream = r.stream;
        for (int i = 0; i < warmup; i++) {
            copy.enqueue();
            check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        }
        check(cudaEventRecord(r.start, stream), "cudaEventRecord");
        for (int i = 0; i < runs; i++) {
            copy.enqueue();
        }
        check(cudaEventRecord(r.end, stream), "cudaEventRecord");
        check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        float[] millis = {0};
        check(cudaEventElapsedTime(millis, r.start, r.end), "cudaEventElapsedTime");
        LatencyRecorder latency = LatencyRecorder.create();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            copy.enqueue();
            check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            latency.record(System.nanoTime() - t0);
        }
        LatencySnapshot s = latency.snapshot();
        Case c = new Case(bytes, direction == HOST_TO_DEVICE ? "h2d" : "d2h", way, millis[0] * 1000.0 / runs, s.p50() / 1e3,
                s.p99() / 1e3);
        console.printf(Locale.ROOT, "%10d %-6s %-8s %14.2f %10.2f %10.2f%n", c.bytes(), c.direction(), c.way(),
                c.gpuMicrosPerCopy(), c.p50Micros(), c.p99Micros());
        console.flush();
        return c;
    }

    private static void enqueue(Pointer to, Pointer from, long bytes, int direction, CUstream_st stream) {
        check(cudaMemcpyAsync(to, from, bytes, direction, stream), "cudaMemcpyAsync");
    }

    /** The page-locked and device buffers, stream and events of a run; each freed once on close. */
    private static final class Resources implements AutoCloseable {
        final Pointer host = new Pointer();
        final Pointer device = new Pointer();
        final CUstream_st stream = new CUstream_st();
        final CUevent_st start = new CUevent_st();
        final CUevent_st end = new CUevent_st();

        Resources(long bytes) {
            try {
                check(cudaMallocHost(host, bytes), "cudaMallocHost(" + bytes + " bytes)");
                check(cudaMalloc(device, bytes), "cudaMalloc(" + bytes + " bytes)");
                check(cudaStreamCreateWithFlags(stream, NON_BLOCKING_STREAM), "cudaStreamCreateWithFlags");
                check(cudaEventCreate(start), "cudaEventCreate");
                check(cudaEventCreate(end), "cudaEventCreate");
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (!stream.isNull()) {
                cudaStreamSynchronize(stream);
                cudaStreamDestroy(stream);
                stream.setNull();
            }
            for (CUevent_st event : new CUevent_st[] {start, end}) {
                if (!event.isNull()) {
                    cudaEventDestroy(event);
                    event.setNull();
                }
            }
            if (!device.isNull()) {
                cudaFree(device);
                device.setNull();
            }
            if (!host.isNull()) {
                cudaFreeHost(host);
                host.setNull();
            }
        }
    }

    private static void check(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + " failed with CUDA error " + status);
        }
    }
}
