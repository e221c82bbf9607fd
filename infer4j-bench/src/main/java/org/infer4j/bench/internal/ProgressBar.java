package org.infer4j.bench.internal;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Progress of a long sweep on the console: configuration {@code i/N}, elapsed time and an ETA estimated
 * from the measurements so far, and ticks while an engine builds. On a terminal
 * ({@code interactive}) one line is redrawn with carriage returns; otherwise (a log, a pipe) each event
 * is a plain line. Engine builds are timed apart from measurements: the ETA extrapolates the mean time
 * of a measurement only, and says how many builds are still to come, since those vary from
 * milliseconds to minutes. Thread-safe (the build ticker draws from a daemon thread).
 */
public final class ProgressBar implements AutoCloseable {
    private static final int BAR_WIDTH = 24;

    private final PrintWriter out;
    private final boolean interactive;
    private final LongSupplier clock;
    private final long startNanos;
    private int total;
    private int done;
    private long measuringNanos;
    private boolean lineOpen;
    private final ScheduledExecutorService ticker;

    /**
     * @param total the measurements the sweep will make (configurations)
     * @param interactive whether to redraw one line ({@code System.console() != null})
     * @param clock nanoseconds, {@link System#nanoTime} outside tests
     */
    public ProgressBar(PrintWriter out, int total, boolean interactive, LongSupplier clock) {
        this.out = out;
        this.total = total;
        this.interactive = interactive;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "infer4j-progress");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The estimated time left: the mean duration of a finished measurement times the measurements left;
     * null before the first one finishes.
     */
    public static @Nullable Double etaSeconds(int done, int total, double measuringSeconds) {
        if (done <= 0) {
            return null;
        }
        return measuringSeconds / done * Math.max(0, total - done);
    }

    /** {@code 42s}, {@code 3m05s}, {@code 1h02m}. */
    public static String clockText(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** The bar line, like {@code [#####.....] 3/12  elapsed 1m02s  ETA 2m10s  resnet50 tensorrt FP16 b8}. */
    public synchronized String line(String what) {
        double elapsed = (clock.getAsLong() - startNanos) / 1e9;
        int filled = total == 0 ? BAR_WIDTH : (int) Math.round(BAR_WIDTH * (double) done / total);
        Double eta = etaSeconds(done, total, measuringNanos / 1e9);
        return "[" + "#".repeat(Math.min(BAR_WIDTH, filled)) + ".".repeat(Math.max(0, BAR_WIDTH - filled)) + "] " + done
                + "/" + total + "  elapsed " + clockText(elapsed) + "  ETA " + (eta == null ? "?" : clockText(eta))
                + (what.isEmpty() ? "" : "  " + what);
    }

    /** The sweep turned out to have {@code total} measurements (a model's workloads became known). */
    public synchronized void total(int total) {
        this.total = total;
    }

    /** One measurement finished after {@code nanos}. */
    public synchronized void measured(long nanos, String what) {
        done++;
        measuringNanos += nanos;
        draw(line(what));
    }

    /** Shows {@code what} as under way (e.g. the measurement starting). */
    public synchronized void starting(String what) {
        if (interactive) {
            draw(line(what));
        }
    }

    /**
     * Runs {@code build} while a daemon thread reports {@code "building ENGINE… 35 s"} every
     * {@code tickSeconds}; then prints the build's time on a line of its own.
     */
    public <T> T building(String what, int tickSeconds, java.util.function.Supplier<T> build) {
        long begin = clock.getAsLong();
        synchronized (this) {
            draw("building " + what + "...");
        }
        ScheduledFuture<?> tick = ticker.scheduleAtFixedRate(() -> {
            synchronized (this) {
                draw("building " + what + "... " + clockText((clock.getAsLong() - begin) / 1e9));
            }
        }, tickSeconds, tickSeconds, TimeUnit.SECONDS);
        boolean ok = false;
        try {
            T result = build.get();
            ok = true;
            return result;
        } finally {
            tick.cancel(false);
            synchronized (this) {
                endLine();
                out.println((ok ? "built " : "build failed: ") + what + " in "
                        + String.format(Locale.ROOT, "%.1f s", (clock.getAsLong() - begin) / 1e9));
                out.flush();
            }
        }
    }

    /** Ends a redrawn line so that ordinary output can follow. */
    public synchronized void endLine() {
        if (lineOpen) {
            out.print("\r\033[K");
            out.flush();
            lineOpen = false;
        }
    }

    private void draw(String text) {
        if (interactive) {
            out.print("\r\033[K" + text);
            lineOpen = true;
        } else {
            out.println(text);
        }
        out.flush();
    }

    @Override
    public synchronized void close() {
        ticker.shutdownNow();
        endLine();
    }
}
