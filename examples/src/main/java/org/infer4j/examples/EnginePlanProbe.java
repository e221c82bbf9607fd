package org.infer4j.examples;

import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaErrorNotReady;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetDevice;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphGetNodes;
import static org.bytedeco.cuda.global.cudart.cudaGraphInstantiate;
import static org.bytedeco.cuda.global.cudart.cudaGraphLaunch;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemset;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamBeginCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamCaptureModeThreadLocal;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamEndCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamQuery;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;
import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLongArray;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.tensorrt.global.nvinfer.LayerInformationFormat;
import org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import org.bytedeco.tensorrt.global.nvinfer.ProfilingVerbosity;
import org.bytedeco.tensorrt.global.nvinfer.TensorIOMode;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IEngineInspector;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.infer4j.ElementType;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.examples.internal.CpuAffinity;
import org.infer4j.examples.internal.InputGenerator;
import org.infer4j.metrics.LatencyRecorder;
import org.infer4j.metrics.LatencySnapshot;
import org.infer4j.tensorrt.internal.build.CachedPlans;
import org.infer4j.tensorrt.internal.nativeinterop.NativeDelete;
import org.infer4j.tensorrt.internal.nativeinterop.TrtTypes;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A diagnostic for TensorRT plan files: the engines ONNX Runtime's TensorRT execution provider
 * caches ({@code *.engine} in its cache directory), the tensorrt backend's own cached engines
 * (their checksum header stripped) and plain plans of any other program. It loads each plan with
 * a TensorRT runtime of this process, binds device buffers at the profile's optimal shapes, fills
 * the inputs ({@code --inputs}: random values drawn as the benchmarks draw them, or zeros) and
 * reports its layers after fusion, its auxiliary streams, the CPU time of one
 * {@code enqueueV3} (timed without synchronising, so that a launch-bound engine shows its launch
 * cost), the GPU time of one run back to back (CUDA events), the median of one enqueue followed by
 * a synchronisation (what one inference call costs at least) and how many lines TensorRT logged
 * during the timed runs. Each plan is measured twice: as TensorRT runs it by default, and with
 * its NVTX ranges off (a plan built with detailed profiling marks every layer). Run on ONNX
 * Runtime's plan and infer4j's plan of one model, it tells an engine that launches more kernels
 * from a runtime that launches them more slowly.
 *
 * <p>With {@code --graph} it also captures one {@code enqueueV3} into a CUDA graph with nothing
 * around it and times its replay: the floor under the tensorrt backend's graph replay, measured
 * with the same plan in the same process, so that what the backend adds per call shows. Per plan:
 * the graph's nodes; the CPU time of one {@code cudaGraphLaunch} back to back; the GPU time per
 * replay back to back; replay followed by {@code cudaStreamSynchronize}, p50, p99 and how much of
 * it the launch call takes; replay followed by polling {@code cudaStreamQuery} instead (the two
 * interleaved call by call, so that neither gains from running later); the GPU time of single
 * replays (CUDA events around each), whose p99/p50 is the GPU's own share of a tail; and the CPU
 * time of one {@code cudaSetDevice}, which the backend made on every call.
 *
 * <p>Inputs can matter, as some kernels run faster on zeros than on real data, so the default is
 * random inputs, as the benchmarks draw them, and {@code --inputs random,zeros} measures both in
 * that order. For the reference models they did not: a GRU's replay took 193 µs of GPU time on
 * either on an H100 (benchmarks/results/h100/2026-11-25f), where GraphBench's device-resident
 * replay of the same plan took 220 µs.
 *
 * <p>With {@code --placements N} it also binds N more sets of input and output buffers, each
 * allocated after a larger spacer, to the first context and to a context made after them, and
 * times each one's replay: whether where the buffers lie in GPU memory changes the GPU time. On
 * an H200 it did not (benchmarks/results/h200/2026-11-30b). There, GraphBench's slower replays
 * came from which binding of an engine ran them.
 *
 * <p>With {@code --recreate N} it also, N times, makes a second context on the same buffers, times
 * the replay of it and of the first context, and destroys it: whether a destroyed context slows
 * the contexts made after it, or those made before. On an H200 neither was slowed, on any of the
 * six reference models (benchmarks/results/h200/2026-11-30c). All contexts here share one stream.
 *
 * <p>With {@code --streams N} it also, N times, makes another stream and times the first context's
 * replay on its own stream after a memset, the first context and a new context have each run on the
 * new stream; then the new context's replay on the new stream. The new contexts live until the plan
 * is done, as an engine's pool contexts do. On an H200 the memset and the first context on another
 * stream changed nothing, but once two (distilbert, bert_base) or three (gru) contexts of the engine
 * had run, every context replayed 7-16 % slower (benchmarks/results/h200/2026-11-30d).
 *
 * <p>Plans must come from the TensorRT version on the library path. Each plan stays loaded until
 * the probe exits: JavaCPP attaches no C++ destructor to the objects TensorRT creates (the
 * backend frees its own engines through an internal helper).
 *
 * <pre>
 * java -cp 'examples/target/lib/*' org.infer4j.examples.EnginePlanProbe ~/.cache/infer4j/ort-tensorrt/*.engine \
 *      ~/.cache/infer4j/tensorrt/*.engine
 * </pre>
 *
 * Exit status 0 when every plan was measured, 1 when one could not be, 2 for a usage error.
 */
@Command(name = "infer4j-engine-plan-probe", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        description = "Layers, launch cost and GPU time of serialised TensorRT plans, e.g. ONNX Runtime's cached engines.")
public final class EnginePlanProbe implements Callable<Integer> {
    private static final int NON_BLOCKING_STREAM = 1;
    private static final int HOST_TO_DEVICE = 1;
    /** What {@code --streams} sets on each new stream before anything else runs on it. */
    private static final long SCRATCH_BYTES = 4096;

    @Spec
    private @Nullable CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PLAN", description = "Serialised TensorRT engine file(s).")
    private List<Path> plans = new ArrayList<>();

    @Option(names = "--warmup", defaultValue = "200", description = "Untimed runs per plan (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = {"-n", "--runs"}, defaultValue = "2000", description = "Timed runs per plan (default: ${DEFAULT-VALUE}).")
    private int runs;

    @Option(names = "--layers-dir", paramLabel = "DIR",
            description = "Also write each plan's layer list (TensorRT's engine inspector, one JSON per plan) here.")
    private @Nullable Path layersDir;

    @Option(names = "--graph", description = "Also time the replay of one enqueue captured as a CUDA graph, bare.")
    private boolean graph;

    @Option(names = "--cpu", paramLabel = "N", description = "Pin the measuring thread to this CPU (Linux with taskset).")
    private @Nullable Integer cpu;

    @Option(names = "--placements", paramLabel = "N", defaultValue = "0",
            description = "With --graph, also time the replay with the input and output buffers at N other places in GPU "
                    + "memory, each bound to the first context and to a context made after them (default: ${DEFAULT-VALUE}).")
    private int placements;

    @Option(names = "--recreate", paramLabel = "N", defaultValue = "0",
            description = "With --graph, also N times make a second execution context, time the replay of both, and "
                    + "destroy the second: whether destroying a context slows contexts made later, or the first one "
                    + "(default: ${DEFAULT-VALUE}).")
    private int recreate;

    @Option(names = "--streams", paramLabel = "N", defaultValue = "0",
            description = "With --graph, also N times make another CUDA stream and time the first context's replay on "
                    + "its own stream after each of: a memset ran on the new stream, the first context ran on it, a new "
                    + "context (kept) ran on it: whether more streams, or more contexts that have run, slow a graph "
                    + "(default: ${DEFAULT-VALUE}).")
    private int streams;

    /** What the input buffers hold while a plan is timed. */
    enum InputData {
        /** Drawn as the benchmarks draw them ({@link InputGenerator}, their default seed and token-id bound). */
        RANDOM,
        /** All bytes zero. */
        ZEROS
    }

    @Option(names = "--inputs", split = ",", defaultValue = "RANDOM", paramLabel = "DATA",
            description = "What the inputs hold, each measured in turn: random (as the benchmarks draw them) or zeros, "
                    + "which some kernels run faster on (default: ${DEFAULT-VALUE}).")
    private List<InputData> inputs = new ArrayList<>(List.of(InputData.RANDOM));

    /** The benchmarks' default seed and token-id bound, so that the probe's random inputs are theirs. */
    private static final long SEED = 42;
    private static final int MAX_TOKEN_ID = 100;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EnginePlanProbe()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    /** Counts TensorRT's log lines by severity (0 internal error .. 4 verbose) and prints warnings and errors. */
    private static final class CountingLogger extends ILogger {
        final AtomicLongArray lines = new AtomicLongArray(5);
        final PrintWriter err;

        CountingLogger(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void log(Severity severity, String message) {
            int s = severity.intern().value;
            lines.incrementAndGet(s);
            if (s <= Severity.kWARNING.value) {
                err.println("TensorRT: " + message);
            }
        }

        long total() {
            long sum = 0;
            for (int i = 0; i < lines.length(); i++) {
                sum += lines.get(i);
            }
            return sum;
        }
    }

    @Override
    public Integer call() {
        CommandLine cl = Objects.requireNonNull(spec, "picocli injects the spec").commandLine();
        if (runs < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(cl, "--runs must be >= 1 and --warmup >= 0, not " + runs + " and "
                    + warmup);
        }
        requireGraphCount(cl, "--placements", placements);
        requireGraphCount(cl, "--recreate", recreate);
        requireGraphCount(cl, "--streams", streams);
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        if (cpu != null) {
            CpuAffinity.pinCurrentThread(cpu);
        }
        CountingLogger logger;
        IRuntime runtime;
        try {
            logger = new CountingLogger(err);
            runtime = createInferRuntime(logger);
        } catch (LinkageError e) {
            err.println("TensorRT cannot be loaded here (" + e + "); `java -cp 'examples/target/lib/*' "
                    + "org.infer4j.Backends` says what is missing");
            return 1;
        }
        int failed = 0;
        out.printf("%-60s %-7s %-7s %-9s %7s %5s %14s %14s %14s %10s%n", "plan", "file", "inputs", "nvtx", "layers", "aux",
                "enqueue CPU µs", "GPU µs/run", "call p50 µs", "log lines");
        for (Path plan : plans) {
            try {
                probe(runtime, logger, plan, out);
            } catch (RuntimeException | IOException e) {
                failed++;
                out.printf("%-60s FAILED: %s%n", plan.getFileName(), e.getMessage());
            }
            out.flush();
        }
        return failed == 0 ? 0 : 1;
    }

    /** A count of extra measurements of the graph replay: at least 0, and more only with {@code --graph}. */
    private void requireGraphCount(CommandLine cl, String option, int count) {
        if (count < 0 || (count > 0 && !graph)) {
            throw new CommandLine.ParameterException(cl, option + " must be >= 0 and needs --graph, not " + count
                    + (graph ? "" : " without --graph"));
        }
    }

    private void probe(IRuntime runtime, CountingLogger logger, Path plan, PrintWriter out) throws IOException {
        byte[] bytes = CachedPlans.planOf(plan).orElse(null);
        String origin = "infer4j";
        if (bytes == null) {
            bytes = Files.readAllBytes(plan);
            origin = "plain";
        }
        List<Pointer> buffers = new ArrayList<>();
        Map<String, Pointer> inputBuffers = new LinkedHashMap<>();
        Map<String, Long> bufferBytes = new LinkedHashMap<>();
        Map<String, Long> ioBytes = new LinkedHashMap<>();
        Map<String, Pointer> ioBuffers = new LinkedHashMap<>();
        CUstream_st stream = new CUstream_st();
        CUevent_st start = new CUevent_st();
        CUevent_st end = new CUevent_st();
        try (BytePointer blob = new BytePointer(bytes)) {
            ICudaEngine engine = runtime.deserializeCudaEngine(blob, bytes.length);
            if (engine == null || engine.isNull()) {
                throw new IllegalStateException("TensorRT could not deserialise it (another TensorRT version, or not a plan)");
            }
            IExecutionContext context = engine.createExecutionContext();
            if (context == null || context.isNull()) {
                throw new IllegalStateException("TensorRT could not create an execution context (out of GPU memory?)");
            }
            check(cudaStreamCreateWithFlags(stream, NON_BLOCKING_STREAM), "cudaStreamCreateWithFlags");
            for (int i = 0; i < engine.getNbIOTensors(); i++) {
                String name = engine.getIOTensorName(i);
                if (engine.getTensorIOMode(name).intern() == TensorIOMode.kINPUT) {
                    Dims64 opt = engine.getProfileShape(name, 0, OptProfileSelector.kOPT);
                    if (opt.nbDims() < 0) { // a static input has no profile: its engine shape is the shape
                        opt = engine.getTensorShape(name);
                    }
                    context.setInputShape(name, opt);
                }
            }
            for (int i = 0; i < engine.getNbIOTensors(); i++) {
                String name = engine.getIOTensorName(i);
                Dims64 shape = context.getTensorShape(name);
                long elements = 1;
                for (int d = 0; d < shape.nbDims(); d++) {
                    elements *= Math.max(1, shape.d(d));
                }
                long bytesNeeded = Math.max(1, elements * 8); // 8: the widest element type, so the type needs no lookup
                Pointer p = new Pointer();
                check(cudaMalloc(p, bytesNeeded), "cudaMalloc");
                buffers.add(p);
                ioBytes.put(name, bytesNeeded);
                ioBuffers.put(name, p);
                check(cudaMemset(p, 0, bytesNeeded), "cudaMemset");
                if (!context.setTensorAddress(name, p)) {
                    throw new IllegalStateException("TensorRT refused the address of '" + name + "'");
                }
                if (engine.getTensorIOMode(name).intern() == TensorIOMode.kINPUT) {
                    inputBuffers.put(name, p);
                    bufferBytes.put(name, bytesNeeded);
                }
            }
            if (layersDir != null) {
                writeLayers(engine, context, plan);
            }
            check(cudaEventCreate(start), "cudaEventCreate");
            check(cudaEventCreate(end), "cudaEventCreate");
            ProfilingVerbosity nvtxDefault = context.getNvtxVerbosity().intern();
            for (InputData data : inputs) {
                fill(engine, context, inputBuffers, bufferBytes, data);
                String label = data.name().toLowerCase(Locale.ROOT);
                if (graph) { // NVTX as TensorRT runs the plan by default, whose ranges a graph leaves out anyway
                    out.printf("%-60s %-7s graph replay, %s inputs: %s%n", plan.getFileName(), origin, label,
                            replay(context, stream, start, end));
                    out.flush();
                }
                for (boolean nvtxOff : new boolean[] {false, true}) {
                    if (!context.setNvtxVerbosity(nvtxOff ? ProfilingVerbosity.kNONE : nvtxDefault)) {
                        out.printf("%-60s %-7s TensorRT refused to set NVTX to %s%n", plan.getFileName(), origin,
                                nvtxOff ? "kNONE" : nvtxDefault);
                        break;
                    }
                    out.printf(Locale.ROOT, "%-60s %-7s %-7s %-9s %7d %5d %s%n", plan.getFileName(), origin, label,
                            nvtxOff ? "kNONE" : nvtxDefault.name(), engine.getNbLayers(), engine.getNbAuxStreams(),
                            measure(context, stream, start, end, logger));
                    out.flush();
                }
            }
            for (int r = 1; r <= recreate; r++) { // before the placements, which move the first context's buffers
                out.printf("%-60s %-7s recreate %d, after %d destroyed: %s%n", plan.getFileName(), origin, r, r - 1,
                        recreated(engine, context, stream, start, end, ioBuffers));
                out.flush();
            }
            List<IExecutionContext> kept = new ArrayList<>();
            try {
                for (int k = 1; k <= streams; k++) { // also before the placements, on the first context's own buffers
                    out.printf("%-60s %-7s stream %d: %s%n", plan.getFileName(), origin, k + 1,
                            anotherStream(engine, context, stream, start, end, ioBuffers, kept));
                    out.flush();
                }
            } finally {
                check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
                kept.forEach(NativeDelete::delete);
            }
            for (int p = 1; p <= placements; p++) {
                out.printf("%-60s %-7s placement %d: %s%n", plan.getFileName(), origin, p,
                        placement(engine, context, stream, start, end, ioBytes, p, buffers));
                out.flush();
            }
        } finally {
            if (!stream.isNull()) {
                cudaStreamSynchronize(stream);
            }
            if (!start.isNull()) {
                cudaEventDestroy(start);
            }
            if (!end.isNull()) {
                cudaEventDestroy(end);
            }
            buffers.forEach(p -> cudaFree(p));
            if (!stream.isNull()) {
                cudaStreamDestroy(stream);
            }
        }
    }

    /** Writes {@code data} into every input buffer, at the shapes the context was given. */
    private static void fill(ICudaEngine engine, IExecutionContext context, Map<String, Pointer> inputBuffers,
                             Map<String, Long> bufferBytes, InputData data) {
        for (Map.Entry<String, Pointer> in : inputBuffers.entrySet()) {
            String name = in.getKey();
            check(cudaMemset(in.getValue(), 0, bufferBytes.get(name)), "cudaMemset");
            if (data == InputData.ZEROS) {
                continue;
            }
            ElementType type = TrtTypes.elementType(engine.getTensorDataType(name));
            if (type == null) {
                throw new IllegalStateException("input '" + name + "' is of TensorRT type "
                        + engine.getTensorDataType(name).intern() + ", which has no random values here; use --inputs zeros");
            }
            Dims64 dims = context.getTensorShape(name);
            long[] shape = new long[dims.nbDims()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = dims.d(d);
            }
            Map<String, Tensor> values = InputGenerator.generate(List.of(new TensorInfo(name, type, Shape.of(shape))),
                    Map.of(name, shape), SEED, MAX_TOKEN_ID);
            try (Tensor t = values.get(name)) {
                check(cudaMemcpy(in.getValue(), new Pointer(t.buffer()), t.byteSize(), HOST_TO_DEVICE), "cudaMemcpy");
            }
        }
    }

    /**
     * The plan's layers as TensorRT's engine inspector lists them: names only, unless the plan was
     * built with detailed profiling (then tactics and formats too), which its build verbosity says.
     */
    private void writeLayers(ICudaEngine engine, IExecutionContext context, Path plan) throws IOException {
        IEngineInspector inspector = engine.createEngineInspector();
        if (inspector == null || inspector.isNull()) {
            throw new IllegalStateException("TensorRT could not create an engine inspector");
        }
        inspector.setExecutionContext(context);
        Path dir = Objects.requireNonNull(layersDir);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(plan.getFileName() + ".layers.json"),
                "{\"profilingVerbosity\": \"" + engine.getProfilingVerbosity().intern().name() + "\", \"engine\": "
                        + inspector.getEngineInformation(LayerInformationFormat.kJSON) + "}\n");
    }

    /** Enqueue CPU µs, GPU µs per run, call p50 µs and log lines of one context as it is set now. */
    private String measure(IExecutionContext context, CUstream_st stream, CUevent_st start, CUevent_st end,
            CountingLogger logger) {
        for (int i = 0; i < warmup; i++) {
            enqueue(context, stream);
        }
        check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        long linesBefore = logger.total();
        check(cudaEventRecord(start, stream), "cudaEventRecord");
        long cpuStart = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            enqueue(context, stream);
        }
        long cpuNanos = System.nanoTime() - cpuStart;
        check(cudaEventRecord(end, stream), "cudaEventRecord");
        check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        double gpuMicros = elapsedMicros(start, end);
        long[] calls = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            enqueue(context, stream);
            check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            calls[i] = System.nanoTime() - t0;
        }
        Arrays.sort(calls);
        return String.format(Locale.ROOT, "%14.1f %14.1f %14.1f %10d", cpuNanos / 1e3 / runs, gpuMicros / runs,
                calls[runs / 2] / 1e3, logger.total() - linesBefore);
    }

    /**
     * Fresh input and output buffers, allocated after a spacer that grows with {@code placement}
     * (so that each set lies elsewhere in GPU memory), random inputs in them, and the GPU time per
     * graph replay back to back: bound to {@code context}, made before them, and to a context made
     * after them. Every allocation goes into {@code buffers}, freed with the plan's.
     */
    private String placement(ICudaEngine engine, IExecutionContext context, CUstream_st stream, CUevent_st start,
                             CUevent_st end, Map<String, Long> ioBytes, int placement, List<Pointer> buffers) {
        Pointer spacer = new Pointer();
        long spacerBytes = placement * (1L << 20) + placement * 4096L;
        check(cudaMalloc(spacer, spacerBytes), "cudaMalloc");
        buffers.add(spacer);
        Map<String, Pointer> fresh = new LinkedHashMap<>();
        Map<String, Pointer> freshInputs = new LinkedHashMap<>();
        for (Map.Entry<String, Long> io : ioBytes.entrySet()) {
            Pointer p = new Pointer();
            check(cudaMalloc(p, io.getValue()), "cudaMalloc");
            buffers.add(p);
            check(cudaMemset(p, 0, io.getValue()), "cudaMemset");
            fresh.put(io.getKey(), p);
            if (engine.getTensorIOMode(io.getKey()).intern() == TensorIOMode.kINPUT) {
                freshInputs.put(io.getKey(), p);
            }
        }
        IExecutionContext later = contextLike(engine, context, fresh);
        StringBuilder where = new StringBuilder();
        for (Map.Entry<String, Pointer> io : fresh.entrySet()) {
            String name = io.getKey();
            if (!context.setTensorAddress(name, io.getValue())) {
                throw new IllegalStateException("TensorRT refused the address of '" + name + "'");
            }
            where.append(where.length() == 0 ? "" : ", ").append(name).append(" @0x").append(Long.toHexString(io.getValue().address()));
        }
        fill(engine, context, freshInputs, ioBytes, InputData.RANDOM);
        return String.format(Locale.ROOT, "%s: first context GPU %.1f µs/replay, a context made after them GPU %.1f µs/replay",
                where, gpuMicrosPerReplay(context, stream, start, end), gpuMicrosPerReplay(later, stream, start, end));
    }

    /**
     * A second context on the first one's buffers and shapes, the GPU time per graph replay of each,
     * then the second destroyed.
     */
    private String recreated(ICudaEngine engine, IExecutionContext context, CUstream_st stream, CUevent_st start,
                             CUevent_st end, Map<String, Pointer> ioBuffers) {
        IExecutionContext second = contextLike(engine, context, ioBuffers);
        try {
            double secondMicros = gpuMicrosPerReplay(second, stream, start, end);
            double firstMicros = gpuMicrosPerReplay(context, stream, start, end);
            return String.format(Locale.ROOT, "a new context GPU %.1f µs/replay, the first context GPU %.1f µs/replay",
                    secondMicros, firstMicros);
        } finally {
            check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            NativeDelete.delete(second);
        }
    }

    /**
     * One more stream, and the GPU time per replay of the first context, on its own stream, after
     * each of three things that run on the new stream: a memset (any work at all), one enqueue of
     * the first context, one enqueue of a new context on the first one's buffers, which stays in
     * {@code kept} so that it lives on like an engine's pool context; then that new context's replay
     * on the new stream.
     */
    private String anotherStream(ICudaEngine engine, IExecutionContext context, CUstream_st stream, CUevent_st start,
                                 CUevent_st end, Map<String, Pointer> ioBuffers, List<IExecutionContext> kept) {
        CUstream_st other = new CUstream_st();
        Pointer scratch = new Pointer();
        check(cudaStreamCreateWithFlags(other, NON_BLOCKING_STREAM), "cudaStreamCreateWithFlags");
        try {
            check(cudaMalloc(scratch, SCRATCH_BYTES), "cudaMalloc");
            check(cudaMemsetAsync(scratch, 0, SCRATCH_BYTES, other), "cudaMemsetAsync");
            check(cudaStreamSynchronize(other), "cudaStreamSynchronize");
            double afterMemset = gpuMicrosPerReplay(context, stream, start, end);
            enqueue(context, other);
            check(cudaStreamSynchronize(other), "cudaStreamSynchronize");
            double afterFirst = gpuMicrosPerReplay(context, stream, start, end);
            IExecutionContext made = contextLike(engine, context, ioBuffers);
            kept.add(made);
            enqueue(made, other);
            check(cudaStreamSynchronize(other), "cudaStreamSynchronize");
            double afterNew = gpuMicrosPerReplay(context, stream, start, end);
            double newOnItsStream = gpuMicrosPerReplay(made, other, start, end);
            return String.format(Locale.ROOT, "the first context GPU %.1f µs/replay after a memset ran on it, %.1f after "
                    + "the first context ran on it, %.1f after a new context ran on it; the new context on it GPU %.1f "
                    + "µs/replay", afterMemset, afterFirst, afterNew, newOnItsStream);
        } finally {
            cudaStreamSynchronize(other);
            if (!scratch.isNull()) {
                cudaFree(scratch);
            }
            cudaStreamDestroy(other);
        }
    }

    /**
     * A new execution context of {@code engine} with {@code context}'s input shapes and
     * {@code buffers} (every input and output by name) bound; deleted again if binding fails.
     */
    private static IExecutionContext contextLike(ICudaEngine engine, IExecutionContext context, Map<String, Pointer> buffers) {
        IExecutionContext made = engine.createExecutionContext();
        if (made == null || made.isNull()) {
            throw new IllegalStateException("TensorRT could not create a second execution context (out of GPU memory?)");
        }
        try {
            for (Map.Entry<String, Pointer> io : buffers.entrySet()) {
                String name = io.getKey();
                if (engine.getTensorIOMode(name).intern() == TensorIOMode.kINPUT
                        && !made.setInputShape(name, context.getTensorShape(name))) {
                    throw new IllegalStateException("TensorRT refused the shape of '" + name + "' on the second context");
                }
                if (!made.setTensorAddress(name, io.getValue())) {
                    throw new IllegalStateException("TensorRT refused the address of '" + name + "'");
                }
            }
            return made;
        } catch (RuntimeException e) {
            NativeDelete.delete(made);
            throw e;
        }
    }

    /** The GPU time per replay, back to back, of one enqueue of {@code context} captured as a graph. */
    private double gpuMicrosPerReplay(IExecutionContext context, CUstream_st stream, CUevent_st start, CUevent_st end) {
        try (CapturedEnqueue g = CapturedEnqueue.of(context, stream)) {
            for (int i = 0; i < warmup; i++) {
                launch(g.exec, stream);
            }
            check(cudaEventRecord(start, stream), "cudaEventRecord");
            for (int i = 0; i < runs; i++) {
                launch(g.exec, stream);
            }
            check(cudaEventRecord(end, stream), "cudaEventRecord");
            check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            return elapsedMicros(start, end) / runs;
        }
    }

    /** One {@code enqueueV3} captured into a CUDA graph and instantiated; closing destroys both. */
    private static final class CapturedEnqueue implements AutoCloseable {
        final CUgraph_st graph = new CUgraph_st();
        final CUgraphExec_st exec = new CUgraphExec_st();
        private final CUstream_st stream;

        private CapturedEnqueue(CUstream_st stream) {
            this.stream = stream;
        }

        static CapturedEnqueue of(IExecutionContext context, CUstream_st stream) {
            enqueue(context, stream); // TensorRT's shape-dependent setup runs on the first enqueue, never inside a capture
            check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            CapturedEnqueue g = new CapturedEnqueue(stream);
            try {
                check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
                boolean enqueued = context.enqueueV3(stream);
                int ended = cudaStreamEndCapture(stream, g.graph);
                if (!enqueued || ended != 0) {
                    cudaGetLastError();
                    throw new IllegalStateException("capture failed: enqueueV3 " + (enqueued ? "succeeded" : "failed")
                            + ", cudaStreamEndCapture returned CUDA error " + ended);
                }
                check(cudaGraphInstantiate(g.exec, g.graph, 0L), "cudaGraphInstantiate");
                return g;
            } catch (RuntimeException e) {
                g.close();
                throw e;
            }
        }

        long nodes() {
            try (SizeTPointer nodes = new SizeTPointer(1)) {
                check(cudaGraphGetNodes(graph, null, nodes), "cudaGraphGetNodes");
                return nodes.get();
            }
        }

        @Override
        public void close() {
            cudaStreamSynchronize(stream);
            if (!exec.isNull()) {
                cudaGraphExecDestroy(exec);
                exec.setNull();
            }
            if (!graph.isNull()) {
                cudaGraphDestroy(graph);
                graph.setNull();
            }
        }
    }

    /** Captures one enqueue into a CUDA graph and times its replay in the ways the class comment lists. */
    private String replay(IExecutionContext context, CUstream_st stream, CUevent_st start, CUevent_st end) {
        try (CapturedEnqueue g = CapturedEnqueue.of(context, stream)) {
            for (int i = 0; i < warmup; i++) {
                launch(g.exec, stream);
                check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            }
            return "nodes " + g.nodes() + ", " + backToBack(g.exec, stream, start, end) + "; " + waits(g.exec, stream) + "; "
                    + singleReplayGpuTimes(g.exec, stream, start, end) + "; " + setDeviceCost();
        }
    }

    /** CPU time per launch and GPU time per replay, with {@link #runs} replays queued back to back. */
    private String backToBack(CUgraphExec_st exec, CUstream_st stream, CUevent_st start, CUevent_st end) {
        check(cudaEventRecord(start, stream), "cudaEventRecord");
        long cpuStart = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            launch(exec, stream);
        }
        long cpuNanos = System.nanoTime() - cpuStart;
        check(cudaEventRecord(end, stream), "cudaEventRecord");
        check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        return String.format(Locale.ROOT, "launch CPU %.1f µs, GPU %.1f µs/replay back to back", cpuNanos / 1e3 / runs,
                elapsedMicros(start, end) / runs);
    }

    /**
     * Replay and wait, by {@code cudaStreamSynchronize} and by polling {@code cudaStreamQuery}, the
     * two taking turns call by call so that neither gains from running later.
     */
    private String waits(CUgraphExec_st exec, CUstream_st stream) {
        LatencyRecorder synced = LatencyRecorder.create();
        LatencyRecorder launchPart = LatencyRecorder.create();
        LatencyRecorder polled = LatencyRecorder.create();
        for (int i = 0; i < 2 * runs; i++) {
            boolean poll = (i & 1) == 1;
            long t0 = System.nanoTime();
            launch(exec, stream);
            long launched = System.nanoTime();
            if (poll) {
                int status;
                do {
                    status = cudaStreamQuery(stream);
                } while (status == cudaErrorNotReady);
                check(status, "cudaStreamQuery");
            } else {
                check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            }
            long done = System.nanoTime();
            if (poll) {
                polled.record(done - t0);
            } else {
                synced.record(done - t0);
                launchPart.record(launched - t0);
            }
        }
        LatencySnapshot s = synced.snapshot();
        LatencySnapshot q = polled.snapshot();
        return String.format(Locale.ROOT, "replay+sync p50 %.1f p99 %.1f (p99/p50 %.2f), its launch p50 %.1f; "
                        + "replay+query p50 %.1f p99 %.1f", s.p50() / 1e3, s.p99() / 1e3, (double) s.p99() / s.p50(),
                launchPart.snapshot().p50() / 1e3, q.p50() / 1e3, q.p99() / 1e3);
    }

    /** The GPU time of single replays, CUDA events around each: the GPU's own share of a tail. */
    private String singleReplayGpuTimes(CUgraphExec_st exec, CUstream_st stream, CUevent_st start, CUevent_st end) {
        LatencyRecorder single = LatencyRecorder.create();
        for (int i = 0; i < runs; i++) {
            check(cudaEventRecord(start, stream), "cudaEventRecord");
            launch(exec, stream);
            check(cudaEventRecord(end, stream), "cudaEventRecord");
            check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            single.record(Math.round(elapsedMicros(start, end) * 1e3));
        }
        LatencySnapshot g = single.snapshot();
        return String.format(Locale.ROOT, "one replay's GPU time p50 %.1f p99 %.1f (p99/p50 %.2f)", g.p50() / 1e3,
                g.p99() / 1e3, (double) g.p99() / g.p50());
    }

    /** The CPU time of one {@code cudaSetDevice} to the current device, as the backend made on every call. */
    private String setDeviceCost() {
        int device;
        try (IntPointer current = new IntPointer(1)) {
            check(cudaGetDevice(current), "cudaGetDevice");
            device = current.get();
        }
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            check(cudaSetDevice(device), "cudaSetDevice");
        }
        return String.format(Locale.ROOT, "cudaSetDevice %.0f ns", (double) (System.nanoTime() - start) / runs);
    }

    private static void launch(CUgraphExec_st exec, CUstream_st stream) {
        check(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
    }

    private static double elapsedMicros(CUevent_st start, CUevent_st end) {
        float[] millis = {0};
        check(cudaEventElapsedTime(millis, start, end), "cudaEventElapsedTime");
        return millis[0] * 1000.0;
    }

    /**
     * One {@code enqueueV3}. Back to back they queue up on the stream: the CPU time per call is the
     * launch cost as long as the GPU keeps up, and the queue's limit when it does not.
     */
    private static void enqueue(IExecutionContext context, CUstream_st stream) {
        if (!context.enqueueV3(stream)) {
            throw new IllegalStateException("enqueueV3 failed");
        }
    }

    private static void check(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + " failed with CUDA error " + status);
        }
    }
}
