package org.infer4j.cudagraphs.internal;

import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphGetNodes;
import static org.bytedeco.cuda.global.cudart.cudaGraphInstantiate;
import static org.bytedeco.cuda.global.cudart.cudaGraphLaunch;
import static org.bytedeco.cuda.global.cudart.cudaStreamBeginCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamCaptureModeThreadLocal;
import static org.bytedeco.cuda.global.cudart.cudaStreamEndCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.infer4j.InferenceException;
import org.infer4j.tensorrt.spi.CapturableWork;
import org.infer4j.tensorrt.spi.GraphRunner;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays one TensorRT execution context's inferences as CUDA graphs, one per signature, through
 * a {@link GraphCache}. Capture uses {@code cudaStreamCaptureModeThreadLocal} on the context's own
 * stream, after one uncaptured run of the signature (TensorRT does shape-dependent setup on the
 * first {@code enqueueV3} of a shape, which cannot be captured). Any failure while capturing ends
 * the capture, frees what it made and leaves the signature to run without a graph.
 *
 * <p>When the context's previous inference had another signature, a cached graph is not replayed
 * at once: that call runs uncaptured (counted as a resync) so that TensorRT's host-side state of
 * the context is again that of the graph's shapes; the next call of the signature replays.
 *
 * <p>Methods are synchronised: the owning context calls {@link #run} (one caller at a time),
 * {@link #stats()} may come from any thread.
 */
final class CudaGraphRunner implements GraphRunner {
    private static final Logger log = LoggerFactory.getLogger(CudaGraphRunner.class);
    /**
     * Test hook, for the GPU test of the fallback path: while true, every capture also calls
     * {@code cudaStreamSynchronize} on the capturing stream, which CUDA forbids; the capture really
     * fails with CUDA's error and the real fallback runs. Never set outside tests.
     */
    static volatile boolean breakCapturesForTest;

    private final GraphCache<Graph> cache;
    private final String owner;
    private @Nullable CapturableWork work;
    private long @Nullable [] current;
    private long @Nullable [] lastEnqueued;
    private long resyncs;

    /** A captured graph and its executable instance, for the signature it was captured with. */
    record Graph(long[] signature, CUgraph_st graph, CUgraphExec_st exec) {
    }

    CudaGraphRunner(int capacity, String owner) {
        this.cache = new GraphCache<>(capacity, owner);
        this.owner = owner;
    }

    private final GraphCache.Executor<Graph> executor = new GraphCache.Executor<>() {
        @Override
        public Graph capture() throws GraphCache.CaptureFailedException {
            return CudaGraphRunner.this.capture(work());
        }

        @Override
        public void replay(Graph graph) {
            CapturableWork w = work();
            if (lastEnqueued == null || !Arrays.equals(lastEnqueued, graph.signature())) {
                w.enqueue(); // the context last ran other shapes: run this one uncaptured first
                resyncs++;
            } else {
                check(cudaGraphLaunch(graph.exec(), w.stream()), "cudaGraphLaunch");
            }
            lastEnqueued = graph.signature();
        }

        @Override
        public void runUncaptured() {
            work().enqueue();
            long[] c = current;
            if (c != null && (lastEnqueued == null || !Arrays.equals(lastEnqueued, c))) {
                lastEnqueued = c.clone();
            }
        }

        @Override
        public void destroy(Graph graph) {
            cudaGraphExecDestroy(graph.exec());
            cudaGraphDestroy(graph.graph());
            graph.exec().setNull();
            graph.graph().setNull();
        }

        @Override
        public @Nullable String describe(long[] signature) {
            return work().describe(signature);
        }
    };

    @Override
    public synchronized void run(long[] signature, CapturableWork work) {
        this.work = work;
        this.current = signature;
        try {
            cache.run(signature, executor);
        } finally {
            this.work = null;
            this.current = null;
        }
    }

    private Graph capture(CapturableWork w) throws GraphCache.CaptureFailedException {
        long[] signature = current().clone();
        // TensorRT's deferred, shape-dependent setup happens on the first enqueue: never inside a capture
        w.enqueue();
        w.synchronize();
        lastEnqueued = signature;
        CUstream_st stream = w.stream();
        int begin = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
        if (begin != 0) {
            cudaGetLastError();
            throw new GraphCache.CaptureFailedException("cudaStreamBeginCapture failed: " + errorText(begin));
        }
        RuntimeException during = null;
        int forbidden = 0;
        try {
            w.enqueue();
            if (breakCapturesForTest) {
                forbidden = cudaStreamSynchronize(stream);
            }
        } catch (RuntimeException e) {
            during = e;
        }
        CUgraph_st graph = new CUgraph_st();
        int end = cudaStreamEndCapture(stream, graph);
        if (during != null || end != 0 || graph.isNull()) {
            if (!graph.isNull()) {
                cudaGraphDestroy(graph);
            }
            cudaGetLastError(); // capture errors are not sticky; clear the last error for later calls
            String why = during != null ? Objects.toString(during.getMessage(), during.getClass().getName())
                    : forbidden != 0 ? "cudaStreamSynchronize during capture (test hook): " + errorText(forbidden)
                    : "cudaStreamEndCapture: " + errorText(end);
            throw new GraphCache.CaptureFailedException(why);
        }
        CUgraphExec_st exec = new CUgraphExec_st();
        int inst = cudaGraphInstantiate(exec, graph, 0L);
        if (inst != 0 || exec.isNull()) {
            cudaGraphDestroy(graph);
            cudaGetLastError();
            throw new GraphCache.CaptureFailedException("cudaGraphInstantiate failed: " + errorText(inst));
        }
        if (log.isDebugEnabled()) { // a graph's node count tells whether TensorRT enqueued other work for it
            try (SizeTPointer nodes = new SizeTPointer(1)) {
                cudaGraphGetNodes(graph, null, nodes);
                log.debug("{}: captured {} as a graph of {} nodes", owner, w.describe(signature), nodes.get());
            }
        }
        return new Graph(signature, graph, exec);
    }

    @Override
    public synchronized Stats stats() {
        GraphCache.GraphStats s = cache.stats();
        return new Stats(s.cachedGraphs(), s.captures(), s.replays() - resyncs, s.evictions(), s.uncapturedRuns(), resyncs,
                s.uncapturableShapes());
    }

    @Override
    public synchronized void clear() {
        cache.clear(executor);
    }

    @Override
    public synchronized void close() {
        cache.close(executor);
    }

    /** The signature of the inference in progress. */
    private long[] current() {
        long[] c = current;
        if (c == null) {
            throw new IllegalStateException("no inference of " + owner + " in progress");
        }
        return c;
    }

    private CapturableWork work() {
        CapturableWork w = work;
        if (w == null) {
            throw new IllegalStateException("no inference of " + owner + " in progress");
        }
        return w;
    }

    private void check(int status, String what) {
        if (status != 0) {
            throw new InferenceException(what + " failed for " + owner + ": " + errorText(status));
        }
    }

    static String errorText(int status) {
        BytePointer text = cudaGetErrorString(status);
        return (text == null ? "CUDA error" : text.getString()) + " (cudaError " + status + ")";
    }
}
