package org.infer4j.bench.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The measurement hygiene of a run, stated in words in its JSON ({@code hygiene}) and at the top of the
 * HTML report: warm-up apart from timing, synchronised timed calls, identical seeded inputs, build time
 * apart from steady state, GPU sampled during each window (or why not), and how the load was offered.
 */
public final class Hygiene {
    public static final String SYNCHRONISATION = "each timed call is one Binding.run(), which returns only when the outputs "
            + "are complete in the binding's output tensors (GPU work synchronised), between two System.nanoTime() reads";
    public static final String BUILD = "build_ms (model load, TensorRT compilation or engine-cache load) and first_run_ms (the "
            + "first call of each workload, where a backend that compiles lazily, such as ONNX Runtime's TensorRT provider "
            + "without shape ranges, builds its engine) are timed apart and excluded from every latency and throughput figure";

    private Hygiene() {
    }

    /** The hygiene block of one run. */
    public static Map<String, String> of(int warmup, long seed, Sweep.Load load, SamplePeriod period, @Nullable GpuReport gpu,
                                         @Nullable String noGpuReason) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("warmup", warmup + " untimed runs on every binding (caller thread) before any timed window; not counted in "
                + "the latencies");
        h.put("synchronisation", SYNCHRONISATION);
        h.put("inputs", "seeded (seed " + seed + "): the same input values on every backend, precision and configuration; "
                + "outputs checked against the reference on them");
        h.put("build", BUILD);
        h.put("gpu_sampling", gpu != null
                ? String.format(Locale.ROOT, "NVML sampled every %s during each timed window (%d window(s), %.0f ms)",
                        period.label(), gpu.windows(), gpu.windowMs())
                : "not sampled: " + (noGpuReason != null ? noGpuReason : "--gpu-sample-period off"));
        h.put("load", load.isFixedRate()
                ? String.format(Locale.ROOT, "fixed rate %.6g requests/s (open loop) on %d thread(s); latency from each "
                        + "request's intended start (coordinated-omission-correct)", load.ratePerSecond(), load.threads())
                : load.threads() == 1 ? "closed loop, 1 caller thread" : "closed loop, " + load.threads()
                        + " caller threads on one engine, one binding each; throughput = all runs / window");
        return h;
    }
}
