package org.infer4j.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How much each CPU of this machine is taken away from a thread that never stops, and what that
 * does to the p99/p50 of short loops: the ceiling the host puts on any tail-latency target before
 * a GPU is involved. Per CPU, the thread is pinned there ({@link CpuAffinity}) and reads the clock
 * back to back for {@code --seconds}; every gap longer than {@code --threshold-micros} is time the
 * CPU spent elsewhere (an interrupt, another thread, the hypervisor). Then the {@link CpuControl}
 * loop runs there at each {@code --loop-micros} length. The CPU with the lowest p99/p50 at the
 * shortest length is named the quietest: pin a latency-critical caller there.
 *
 * <pre>
 * java -cp 'lab/target/lib/*:lab/target/*' org.infer4j.lab.HostJitter --loop-micros 15,230 --out results/host-jitter.json
 * </pre>
 *
 * Linux with {@code taskset} only. The calling thread stays pinned to the last CPU measured. Exit
 * status 0 when every CPU was measured, 1 when one could not be, 2 for a usage error.
 */
@Command(name = "infer4j-host-jitter", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        description = "Per CPU: how often and how long a spinning thread loses its CPU, and the p99/p50 of short loops there.")
public final class HostJitter implements Callable<Integer> {

    @Spec
    private @Nullable CommandSpec spec;

    @Option(names = "--cpus", paramLabel = "LIST",
            description = "CPUs to measure, e.g. 0-7,12 (default: every CPU this JVM may run on).")
    private @Nullable String cpus;

    @Option(names = "--seconds", defaultValue = "1", description = "Clock-reading time per CPU (default: ${DEFAULT-VALUE}).")
    private double seconds;

    @Option(names = "--threshold-micros", defaultValue = "1",
            description = "A gap between two clock reads longer than this counts as time lost (default: ${DEFAULT-VALUE}).")
    private double thresholdMicros;

    @Option(names = "--loop-micros", split = ",", defaultValue = "15,230", paramLabel = "MICROS",
            description = "Lengths of the control loop timed on each CPU (default: ${DEFAULT-VALUE}).")
    private List<Double> loopMicros = new ArrayList<>();

    @Option(names = {"-n", "--iterations"}, defaultValue = "5000",
            description = "Timed control loops per length and CPU (default: ${DEFAULT-VALUE}).")
    private int iterations;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the results as JSON here.")
    private @Nullable Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HostJitter()).execute(args));
    }

    /** What one CPU lost while a thread spun on it. */
    record Interruptions(long count, double perSecond, double p50Micros, double p99Micros, double maxMicros,
                         double lostPercent) {
    }

    /** One CPU's results; {@code error} instead when it could not be measured. */
    record CpuResult(int cpu, @Nullable Interruptions interruptions, List<CpuControl> loops, @Nullable String error) {
    }

    @Override
    public Integer call() throws IOException {
        CommandLine cl = Objects.requireNonNull(spec, "picocli injects the spec").commandLine();
        if (!(seconds > 0) || !(thresholdMicros > 0) || iterations < 1 || loopMicros.isEmpty()
                || loopMicros.stream().anyMatch(m -> !(m > 0))) {
            throw new CommandLine.ParameterException(cl, "--seconds, --threshold-micros, --iterations and every --loop-micros "
                    + "must be > 0");
        }
        String allowed = CpuAffinity.allowedCpus().orElseThrow(() -> new CommandLine.ParameterException(cl,
                "this system does not say which CPUs a thread may use (/proc/thread-self/status): HostJitter runs on Linux"));
        List<Integer> measured = CpuAffinity.expand(cpus != null ? cpus : allowed);
        PrintWriter console = cl.getOut();
        console.printf("%4s %12s %10s %10s %10s %8s", "cpu", "lost per s", "p50 µs", "p99 µs", "max µs", "lost %");
        for (double m : loopMicros) {
            console.printf(Locale.ROOT, " %18s", String.format(Locale.ROOT, "%.0f µs loop p99/p50", m));
        }
        console.println();
        List<CpuResult> results = new ArrayList<>();
        for (int cpu : measured) {
            CpuResult r = measure(cpu);
            results.add(r);
            Interruptions i = r.interruptions();
            if (i == null) {
                console.printf("%4d FAILED: %s%n", cpu, r.error());
                continue;
            }
            console.printf(Locale.ROOT, "%4d %12.1f %10.1f %10.1f %10.1f %8.3f", cpu, i.perSecond(), i.p50Micros(), i.p99Micros(),
                    i.maxMicros(), i.lostPercent());
            for (CpuControl c : r.loops()) {
                console.printf(Locale.ROOT, " %18.3f", c.p99OverP50());
            }
            console.println();
        }
        int shortest = loopMicros.indexOf(Collections.min(loopMicros));
        Integer quietest = results.stream().filter(r -> r.error() == null)
                .min(Comparator.comparingDouble(r -> r.loops().get(shortest).p99OverP50())).map(CpuResult::cpu).orElse(null);
        console.println("quietest CPU: " + (quietest == null ? "none measured" : quietest));
        if (out != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("timestamp", Instant.now().toString());
            json.put("allowedCpus", allowed);
            json.put("seconds", seconds);
            json.put("thresholdMicros", thresholdMicros);
            json.put("iterations", iterations);
            json.put("quietestCpu", quietest);
            json.put("cpus", results);
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        }
        return results.stream().allMatch(r -> r.error() == null) ? 0 : 1;
    }

    private CpuResult measure(int cpu) {
        try {
            CpuAffinity.pinCurrentThread(cpu);
        } catch (IllegalStateException e) {
            return new CpuResult(cpu, null, List.of(), e.getMessage());
        }
        long threshold = (long) (thresholdMicros * 1e3);
        spin(50_000_000, threshold); // the JIT compiles the loop before it is timed
        Interruptions interruptions = spin((long) (seconds * 1e9), threshold);
        List<CpuControl> loops = new ArrayList<>();
        for (double micros : loopMicros) {
            loops.add(CpuControl.measure(micros, Math.min(1000, iterations), iterations));
        }
        return new CpuResult(cpu, interruptions, loops, null);
    }

    /** Reads the clock back to back for {@code nanos}; every gap over {@code thresholdNanos} is an interruption. */
    static Interruptions spin(long nanos, long thresholdNanos) {
        Histogram gaps = new Histogram(3);
        long lost = 0;
        long start = System.nanoTime();
        long end = start + nanos;
        long previous = start;
        long now;
        do {
            now = System.nanoTime();
            long gap = now - previous;
            if (gap > thresholdNanos) {
                gaps.recordValue(gap);
                lost += gap;
            }
            previous = now;
        } while (now < end);
        double elapsed = now - start;
        long count = gaps.getTotalCount();
        return new Interruptions(count, count / (elapsed / 1e9), gaps.getValueAtPercentile(50) / 1e3,
                gaps.getValueAtPercentile(99) / 1e3, gaps.getMaxValue() / 1e3, 100.0 * lost / elapsed);
    }
}
