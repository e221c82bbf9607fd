package org.infer4j.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Pins the calling thread to one CPU, on Linux, so that a latency measurement stays on a core
 * chosen for being quiet (see {@code HostJitter}) instead of wandering between cores. Java has no
 * API for a thread's affinity; this finds the thread's kernel id through {@code /proc/thread-self}
 * and runs util-linux's {@code taskset -p} on it, then reads the kernel's own answer back. Other
 * threads of the JVM keep their affinity. Not for hot paths: it starts a process.
 */
public final class CpuAffinity {
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");

    private CpuAffinity() {
    }

    /**
     * Pins the calling thread to {@code cpu}.
     *
     * @throws IllegalStateException naming what is missing (not Linux, no {@code taskset}) or what the kernel refused
     */
    public static void pinCurrentThread(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu must be >= 0, not " + cpu);
        }
        String tid = threadId();
        List<String> command = List.of("taskset", "-p", "-c", Integer.toString(cpu), tid);
        String output;
        int status;
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish in 10 s");
            }
            status = p.exitValue();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run `taskset` to pin this thread to CPU " + cpu + " (" + e.getMessage()
                    + "); install util-linux or leave the CPU unpinned", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pinning this thread to CPU " + cpu, e);
        }
        if (status != 0) {
            throw new IllegalStateException("`" + String.join(" ", command) + "` failed (exit " + status + "): " + output);
        }
        String allowed = allowedCpus().orElseThrow(() -> new IllegalStateException(
                "/proc/thread-self/status has no Cpus_allowed_list line: cannot check that the pin took"));
        if (!allowed.equals(Integer.toString(cpu))) {
            throw new IllegalStateException("asked to pin this thread to CPU " + cpu + " but the kernel allows it " + allowed);
        }
    }

    /**
     * The CPUs the calling thread may run on, as the kernel lists them ({@code Cpus_allowed_list},
     * e.g. {@code 0-15}); empty where the kernel does not say (not Linux).
     */
    public static Optional<String> allowedCpus() {
        try {
            for (String line : Files.readAllLines(THREAD_SELF.resolve("status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return Optional.of(line.substring("Cpus_allowed_list:".length()).strip());
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Expands a kernel CPU list such as {@code 0-3,8,10-11} into its CPU numbers. */
    public static List<Integer> expand(String cpuList) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : cpuList.strip().split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] range = part.strip().split("-", 2);
            try {
                int first = Integer.parseInt(range[0]);
                int last = range.length == 2 ? Integer.parseInt(range[1]) : first;
                if (first < 0 || last < first) {
                    throw new IllegalArgumentException("bad CPU range '" + part + "' in '" + cpuList + "'");
                }
                for (int c = first; c <= last; c++) {
                    cpus.add(c);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad CPU list '" + cpuList + "': expected numbers and ranges such as 0-3,8",
                        e);
            }
        }
        return cpus;
    }

    private static String threadId() {
        try {
            // "<pid>/task/<tid>": the kernel id of the calling thread, which taskset -p takes
            Path target = Files.readSymbolicLink(THREAD_SELF);
            return target.getFileName().toString();
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot find this thread's kernel id in " + THREAD_SELF + " (" + e.getMessage()
                    + "): pinning a thread needs Linux 3.17 or later", e);
        }
    }
}
