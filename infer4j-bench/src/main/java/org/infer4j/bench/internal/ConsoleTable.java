package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The console summary: one row per run with the figures people compare first. Not thread-safe. */
public final class ConsoleTable {
    private static final String[] HEADER = {"model", "backend", "precision", "batch", "seq", "sweep", "gpu sampling", "build ms",
        "1st run ms", "mean us", "p50 us", "p99 us", "throughput/s", "gpu util %", "gpu W", "rmse", "max abs", "agreement"};

    private final List<String[]> rows = new ArrayList<>();
    private final List<String> overheads = new ArrayList<>();

    public void add(RunReport r) {
        LatencyMicros l = r.latencyUs();
        Agreement a = r.agreement();
        GpuReport gpu = r.gpu();
        int device = ResultFiles.deviceIndex(r);
        rows.add(new String[] {r.model(), r.backend(), r.precision(), Integer.toString(r.batch()),
            r.seqLen() == null ? "-" : r.seqLen().toString(), sweep(r), r.gpuSamplePeriod(), fixed(r.buildMs(), 1),
            fixed(r.firstRunMs(), 1), fixed(l.mean(), 1), fixed(l.median(), 1), fixed(l.p99(), 1), fixed(r.throughputFps(), 1),
            gpu == null ? "-" : fixed(gpu.utilizationMean(device), 1), gpu == null ? "-" : fixed(gpu.powerMean(device), 1),
            scientific(a.rmse()), scientific(a.maxAbs()), verdict(a)});
        if (r.gpuSamplingOverhead() != null) {
            overheads.add(r.model() + " " + r.backend() + " " + r.precision() + " batch " + r.batch() + ": "
                    + r.gpuSamplingOverhead());
        }
    }

    /** The sweep dimensions that differ from a plain run: graphs, static profile, threads, fixed rate; {@code -} if none. */
    static String sweep(RunReport r) {
        List<String> parts = new ArrayList<>();
        if (r.cudaGraphs()) {
            parts.add("graphs");
        }
        if ("static".equals(r.profile())) {
            parts.add("static");
        }
        if (r.threads() > 1) {
            parts.add(r.threads() + "thr");
        }
        RunReport.LoadReport load = r.load();
        if (load.offeredRatePerS() != null) {
            parts.add("@" + Sweep.Load.rateText(load.offeredRatePerS()) + "/s" + (Boolean.FALSE.equals(load.keptUp()) ? "(behind)" : ""));
        }
        return parts.isEmpty() ? "-" : String.join(" ", parts);
    }

    /** One line per run measured against sampling off: its p50 ratio, and whether it is within 1 %. */
    public List<String> overheads() {
        return List.copyOf(overheads);
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The table, columns padded to their widest cell, numbers right-aligned. */
    public String render() {
        int[] widths = new int[HEADER.length];
        List<String[]> all = new ArrayList<>();
        all.add(HEADER);
        all.addAll(rows);
        for (String[] row : all) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : all) {
            for (int i = 0; i < row.length; i++) {
                boolean text = i < 3 || i == 5 || i == row.length - 1;
                String cell = text ? String.format("%-" + widths[i] + "s", row[i]) : String.format("%" + widths[i] + "s", row[i]);
                sb.append(i == 0 ? "" : "  ").append(cell);
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** {@code ok}, {@code FAIL} (with the largest difference over the tolerance) or {@code skipped}. */
    static String verdict(Agreement a) {
        if (!a.compared()) {
            return "skipped";
        }
        return a.passed() ? "ok vs " + a.reference() : "FAIL vs " + a.reference() + " (tol " + scientific(a.tolerance()) + " x " + scientific(a.referenceScale()) + ")";
    }

    private static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String scientific(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2e", v);
    }
}
