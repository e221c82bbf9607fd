package org.infer4j.bench.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The soak's {@code samples.csv}: one row per memory sample, appended by every chunk, each row
 * naming its chunk and what it marks ({@link Event}): a chunk's rows run from {@code start} (workers
 * starting) through {@code sample}s to {@code end} (workers stopped), then {@code after-close} (every
 * engine, binding and tensor of the chunk closed). A chunk whose rows have no {@code end} did not
 * finish: the process ended or was killed during it. An empty field is a value that could not be read.
 * Thread-safe: rows are appended under a lock.
 */
public final class SoakSamples {
    /** The header; the columns a file must have to be appended to. */
    public static final String HEADER = "chunk,event,time_utc,elapsed_s,chunk_elapsed_s,rss_bytes,direct_bytes,heap_used_bytes,"
            + "heap_after_gc_bytes,gpu_memory_used_bytes,runs,errors,mismatches";
    /** The memory columns, in order, as the summary names them. */
    public static final List<String> MEMORY_SERIES = List.of("rss_bytes", "direct_bytes", "heap_used_bytes", "heap_after_gc_bytes",
            "gpu_memory_used_bytes");

    /** What a row marks. */
    public enum Event {
        START("start"), SAMPLE("sample"), END("end"), AFTER_CLOSE("after-close");

        private final String label;

        Event(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** Whether the row was taken while the workers ran (from start to end). */
        public boolean whileRunning() {
            return this != AFTER_CLOSE;
        }

        static Event parse(String label) {
            for (Event e : values()) {
                if (e.label.equals(label)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("unknown event '" + label + "'");
        }
    }

    /**
     * One row.
     *
     * @param chunk the chunk, from 1
     * @param event what the row marks
     * @param timeUtc when, ISO-8601
     * @param elapsedSeconds soak time over all chunks so far: earlier chunks' soak time plus this chunk's
     * @param chunkElapsedSeconds time since this chunk's workers started
     * @param memory the values of {@link #MEMORY_SERIES}, in order; null where not read
     * @param runs runs so far in this chunk
     * @param errors errors so far in this chunk
     * @param mismatches mismatches so far in this chunk
     */
    public record Row(int chunk, Event event, String timeUtc, double elapsedSeconds, double chunkElapsedSeconds,
                      List<@Nullable Long> memory, long runs, long errors, long mismatches) {
        public Row {
            if (memory.size() != MEMORY_SERIES.size()) {
                throw new IllegalArgumentException("a row has " + MEMORY_SERIES.size() + " memory values, not " + memory.size());
            }
            memory = Collections.unmodifiableList(new ArrayList<>(memory));
        }

        String toCsv() {
            StringBuilder b = new StringBuilder();
            b.append(chunk).append(',').append(event.label()).append(',').append(timeUtc).append(',')
                    .append(String.format(Locale.ROOT, "%.3f,%.3f", elapsedSeconds, chunkElapsedSeconds));
            for (Long m : memory) {
                b.append(',').append(m == null ? "" : m.toString());
            }
            return b.append(',').append(runs).append(',').append(errors).append(',').append(mismatches).toString();
        }
    }

    private final Path file;

    /** @param file the CSV file, created with its header on the first append */
    public SoakSamples(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /**
     * Checks that the file, if it exists, has this version's header, so that rows of two layouts
     * never share a file.
     *
     * @throws IllegalStateException naming the file and what to do, if its header differs
     */
    public void requireAppendable() {
        if (!Files.exists(file)) {
            return;
        }
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            String first = lines.findFirst().orElse("");
            if (!first.equals(HEADER)) {
                throw new IllegalStateException(file + " has other columns than this version writes (" + first + "); "
                        + "give another --out, or move the file away");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Appends {@code row}, writing the header first if the file is new. */
    public synchronized void append(Row row) {
        try {
            String text = (Files.exists(file) ? "" : HEADER + "\n") + row.toCsv() + "\n";
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    /**
     * Every row of the file; none if it does not exist.
     *
     * @throws IllegalStateException for a row that does not parse, naming its line
     */
    public List<Row> read() {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                rows.add(parse(lines.get(i)));
            } catch (RuntimeException e) {
                // a process killed mid-write leaves a partial last line: it is not a sample
                if (i == lines.size() - 1) {
                    continue;
                }
                throw new IllegalStateException(file + " line " + (i + 1) + " is not a sample row: " + lines.get(i), e);
            }
        }
        return rows;
    }

    private static Row parse(String line) {
        String[] f = line.split(",", -1);
        int columns = HEADER.split(",").length;
        if (f.length != columns) {
            throw new IllegalArgumentException(f.length + " fields, not " + columns);
        }
        List<@Nullable Long> memory = new ArrayList<>();
        for (int m = 0; m < MEMORY_SERIES.size(); m++) {
            memory.add(f[5 + m].isEmpty() ? null : Long.parseLong(f[5 + m]));
        }
        return new Row(Integer.parseInt(f[0]), Event.parse(f[1]), f[2], Double.parseDouble(f[3]), Double.parseDouble(f[4]), memory,
                Long.parseLong(f[10]), Long.parseLong(f[11]), Long.parseLong(f[12]));
    }
}
