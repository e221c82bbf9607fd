package org.infer4j.bench.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The soak's mismatches and errors: counted all, the first {@code limit} of each kind of a chunk
 * described in full, on the console and in {@code mismatches.log} and {@code errors.log} (appended,
 * so that the files hold every chunk's). An error is an exception from a run, a build or a binding
 * that the soak caught and survived. Thread-safe.
 */
public final class SoakEvents {
    private final int chunk;
    private final int limit;
    private final Path mismatchLog;
    private final Path errorLog;
    private final PrintWriter console;
    private final LongAdder mismatches = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final List<String> firstMismatches = new ArrayList<>();
    private final List<String> firstErrors = new ArrayList<>();

    /**
     * @param chunk the chunk number, written in every logged line
     * @param limit how many mismatches and how many errors to describe in full, each
     * @param mismatchLog the file mismatch lines are appended to
     * @param errorLog the file error lines and stack traces are appended to
     * @param console where the described lines are printed too
     */
    public SoakEvents(int chunk, int limit, Path mismatchLog, Path errorLog, PrintWriter console) {
        this.chunk = chunk;
        this.limit = limit;
        this.mismatchLog = mismatchLog;
        this.errorLog = errorLog;
        this.console = console;
    }

    /**
     * Counts one run whose outputs did not match the reference, on the series and in total.
     *
     * @param series the series run
     * @param where who ran it and how, e.g. {@code worker 3 Binding}
     * @param input the input's label
     * @param details one line per output that differed
     */
    public void mismatch(SoakSeries series, String where, String input, List<String> details) {
        series.mismatches.increment();
        mismatches.increment();
        describe(firstMismatches, mismatchLog, "MISMATCH " + series.name() + ", " + where + ", " + input + ": "
                + String.join("; ", details), null);
    }

    /**
     * Counts one error, on the series (if any) and in total.
     *
     * @param series the series it happened on, or null for one of the soak's own threads
     * @param where who did what, e.g. {@code churn build}
     * @param error what was thrown
     */
    public void error(@Nullable SoakSeries series, String where, Throwable error) {
        if (series != null) {
            series.errors.increment();
        }
        errors.increment();
        describe(firstErrors, errorLog, "ERROR " + (series != null ? series.name() + ", " : "") + where + ": " + oneLine(error), error);
    }

    private synchronized void describe(List<String> first, Path log, String line, @Nullable Throwable error) {
        if (first.size() >= limit) {
            return;
        }
        first.add(line);
        console.println(line);
        console.flush();
        StringBuilder text = new StringBuilder("chunk ").append(chunk).append(' ').append(Instant.now()).append(' ').append(line)
                .append('\n');
        if (error != null) {
            StringWriter trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            text.append(trace);
        }
        try {
            Files.writeString(log, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + log, e);
        }
    }

    /** The message of {@code e} on one line, with its type where the message alone would not say what happened. */
    public static String oneLine(Throwable e) {
        String message = e.getMessage();
        String text = message == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + message;
        text = text.replaceAll("\\s+", " ").trim();
        return text.length() > 600 ? text.substring(0, 600) + "..." : text;
    }

    public long mismatches() {
        return mismatches.sum();
    }

    public long errors() {
        return errors.sum();
    }

    /** The mismatches described in full, in order. */
    public synchronized List<String> firstMismatches() {
        return List.copyOf(firstMismatches);
    }

    /** The errors described in full, in order. */
    public synchronized List<String> firstErrors() {
        return List.copyOf(firstErrors);
    }
}
