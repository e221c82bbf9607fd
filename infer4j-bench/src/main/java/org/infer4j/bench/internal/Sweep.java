package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.infer4j.ShapeRange;
import org.infer4j.TensorInfo;
import org.jspecify.annotations.Nullable;

/**
 * The dimensions of a sweep beyond models, backends and precisions: CUDA graphs off or on, static or
 * dynamic shape profiles, and the load (caller threads, closed loop or a fixed rate). Immutable.
 *
 * @param cudaGraphs each value is one engine configuration: {@code false} (off), {@code true} (on)
 * @param profiles {@link Profile#DYNAMIC}: one engine per configuration whose shape ranges span every
 *        workload; {@link Profile#STATIC}: one engine per workload, its ranges fixed to that workload's shapes
 * @param loads how each workload is driven; measured in this order on the same engine
 */
public record Sweep(List<Boolean> cudaGraphs, List<Profile> profiles, List<Load> loads) {

    /** How an engine's shape ranges are chosen. */
    public enum Profile {
        /** Ranges fixed to one workload's shapes (min = optimal = max): one engine per workload. */
        STATIC,
        /** One engine whose ranges span every workload of the sweep (min..max, optimised for the largest). */
        DYNAMIC;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * How a workload is driven.
     *
     * @param threads caller threads, each with its own {@link org.infer4j.Binding} on the one engine
     * @param ratePerSecond requests per second offered on a fixed schedule (open loop), or 0 for a closed loop
     *        (each thread starts its next run when the last one returns)
     */
    public record Load(int threads, double ratePerSecond) {
        public Load {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
            }
            if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
                throw new IllegalArgumentException("--rate must be a positive number of requests per second, not "
                        + ratePerSecond);
            }
        }

        public static Load closed(int threads) {
            return new Load(threads, 0);
        }

        public boolean isFixedRate() {
            return ratePerSecond > 0;
        }

        /** {@code closed} or {@code fixed-rate}. */
        public String mode() {
            return isFixedRate() ? "fixed-rate" : "closed";
        }

        /** Like {@code 1 thread}, {@code 4 threads, 500/s}. */
        public String describe() {
            return threads + (threads == 1 ? " thread" : " threads")
                    + (isFixedRate() ? ", " + rateText(ratePerSecond) + "/s" : "");
        }

        /** {@code 500}, {@code 2.5}: a rate without needless decimals. */
        static String rateText(double rate) {
            return rate == Math.rint(rate) ? Long.toString((long) rate) : String.format(Locale.ROOT, "%.3g", rate);
        }
    }

    public Sweep {
        cudaGraphs = List.copyOf(cudaGraphs);
        profiles = List.copyOf(profiles);
        loads = List.copyOf(loads);
        if (cudaGraphs.isEmpty() || profiles.isEmpty() || loads.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs at least one CUDA-graph mode, profile and load");
        }
        if (cudaGraphs.stream().distinct().count() != cudaGraphs.size()) {
            throw new IllegalArgumentException("--cuda-graphs lists a mode twice: " + cudaGraphs);
        }
        if (profiles.stream().distinct().count() != profiles.size()) {
            throw new IllegalArgumentException("--profile lists a profile twice: " + profiles);
        }
    }

    /** What there was before sweeps: one graph mode, dynamic ranges, one closed-loop thread. */
    public static Sweep single(boolean cudaGraphs) {
        return new Sweep(List.of(cudaGraphs), List.of(Profile.DYNAMIC), List.of(Load.closed(1)));
    }

    /**
     * Every load of {@code threads} × {@code rates}: with no rate (or 0), closed loops only.
     *
     * @param rates requests per second; 0 stands for a closed loop
     */
    public static List<Load> loads(List<Integer> threads, List<Double> rates) {
        List<Integer> t = threads.isEmpty() ? List.of(1) : threads;
        List<Double> r = rates.isEmpty() ? List.of(0.0) : rates;
        List<Load> loads = new ArrayList<>();
        for (int n : t) {
            for (double rate : r) {
                Load load = new Load(n, rate);
                if (!loads.contains(load)) {
                    loads.add(load);
                }
            }
        }
        return loads;
    }

    /**
     * One engine to build: its CUDA-graph mode, profile, and the workloads measured on it (all of them
     * for a dynamic profile, one for a static one) with the ranges it is built for.
     */
    public record EngineSpec(boolean cudaGraphs, Profile profile, List<Workload> workloads, Map<String, ShapeRange> ranges) {
        public EngineSpec {
            workloads = List.copyOf(workloads);
            ranges = Collections.unmodifiableMap(new LinkedHashMap<>(ranges)); // the model's input order, for the files
        }

        /** Like {@code graphs off, dynamic profile}. */
        public String describe() {
            return "graphs " + (cudaGraphs ? "on" : "off") + ", " + profile.label() + " profile";
        }
    }

    /**
     * The engines of one model, backend and precision, in build order: graph modes outermost, then
     * profiles; a static profile yields one engine per workload.
     *
     * @param inputs the model's inputs; null when unknown (then every engine gets no ranges, and the
     *        workloads are decided on the engine)
     * @param workloads the model's workloads; empty when unknown
     */
    public List<EngineSpec> engines(@Nullable List<TensorInfo> inputs, List<Workload> workloads) {
        List<EngineSpec> specs = new ArrayList<>();
        for (boolean graphs : cudaGraphs) {
            for (Profile profile : profiles) {
                if (profile == Profile.DYNAMIC || inputs == null || workloads.isEmpty()) {
                    Map<String, ShapeRange> ranges = inputs == null || workloads.isEmpty() ? Map.of()
                            : Workload.ranges(inputs, workloads);
                    specs.add(new EngineSpec(graphs, profile, workloads, ranges));
                } else {
                    for (Workload w : workloads) {
                        specs.add(new EngineSpec(graphs, profile, List.of(w), Workload.ranges(inputs, List.of(w))));
                    }
                }
            }
        }
        return specs;
    }

    /** Measurements one engine spec yields: workloads × loads. */
    public int measurementsOf(EngineSpec spec, int workloadsIfUnknown) {
        int w = spec.workloads().isEmpty() ? workloadsIfUnknown : spec.workloads().size();
        return w * loads.size();
    }
}
