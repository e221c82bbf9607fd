package org.infer4j.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.infer4j.AutoSelection;
import org.infer4j.Selection;
import org.jspecify.annotations.Nullable;

/**
 * Decisions of the choice by measurement, one small properties file per {@link DecisionKey} in one
 * directory, named by the key's digest and holding the key's full text, the chosen backend and the
 * measured table.
 *
 * <ul>
 *   <li>A file that cannot be read or parsed, holds another key's text (misfiled or a digest
 *       collision) or another format is no error: one warning names it and why, it reads as
 *       absent, and the next decision overwrites it.
 *   <li>A store writes a temporary file in the same directory and renames it into place, so a
 *       reader sees a whole file or none; a directory that cannot be written costs one warning and
 *       the decision is not kept.
 *   <li>{@link #lock} serialises the decisions of one key among threads of this JVM and, through a
 *       file lock, among processes, so that concurrent starts measure once and the others read the
 *       result (measuring at the same time would also disturb each other's timings).
 * </ul>
 * Thread-safe.
 */
final class DecisionCache {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path directory;
    private final Consumer<String> warnings;

    /** A decision as read back, with the budget it was made under. */
    record Cached(Selection selection, Duration budget) {
    }

    /**
     * @param directory where decision files live; created on the first store
     * @param warnings receives each warning line (the log's WARN level in production, a list in tests)
     */
    DecisionCache(Path directory, Consumer<String> warnings) {
        this.directory = directory;
        this.warnings = warnings;
    }

    Path fileOf(DecisionKey key) {
        return directory.resolve(key.digest() + ".properties");
    }

    /** The decision stored for {@code key}; empty if there is none or it is unusable (after one warning). */
    Optional<Cached> read(DecisionKey key) {
        Path file = fileOf(key);
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            warnings.accept("the decision file " + file + " cannot be read (" + e + "); measuring again");
            return Optional.empty();
        }
        try {
            if (!String.valueOf(DecisionKey.FORMAT).equals(p.getProperty("format"))) {
                throw new IllegalArgumentException("it is of format " + p.getProperty("format") + ", not " + DecisionKey.FORMAT);
            }
            if (!key.text().equals(p.getProperty("key"))) {
                throw new IllegalArgumentException("it holds the decision for another key");
            }
            int count = Integer.parseInt(required(p, "candidates"));
            List<Selection.Candidate> rows = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String prefix = "candidate." + i + ".";
                rows.add(new Selection.Candidate(required(p, prefix + "backend"),
                        Selection.Outcome.valueOf(required(p, prefix + "outcome")),
                        Double.parseDouble(required(p, prefix + "p50Micros")),
                        Double.parseDouble(required(p, prefix + "runsPerSecond")),
                        Double.parseDouble(required(p, prefix + "difference")), required(p, prefix + "note")));
            }
            Selection selection = new Selection(required(p, "backend"), AutoSelection.Metric.valueOf(required(p, "metric")),
                    true, Boolean.parseBoolean(required(p, "budgetExhausted")), rows, file);
            if (selection.chosen().outcome() != Selection.Outcome.MEASURED) {
                throw new IllegalArgumentException("its chosen backend " + selection.backend() + " was not measured");
            }
            return Optional.of(new Cached(selection, Duration.ofMillis(Long.parseLong(required(p, "budgetMillis")))));
        } catch (RuntimeException e) {
            warnings.accept("the decision file " + file + " is unusable (" + e.getMessage() + "); measuring again");
            return Optional.empty();
        }
    }

    private static String required(Properties p, String name) {
        String value = p.getProperty(name);
        if (value == null) {
            throw new IllegalArgumentException("it lacks " + name);
        }
        return value;
    }

    /**
     * Stores {@code selection} for {@code key}.
     *
     * @return the file written, or null if it could not be (after one warning)
     */
    @Nullable Path store(DecisionKey key, Selection selection, Duration budget) {
        Path file = fileOf(key);
        Properties p = new Properties();
        p.setProperty("format", String.valueOf(DecisionKey.FORMAT));
        p.setProperty("key", key.text());
        p.setProperty("backend", selection.backend());
        p.setProperty("metric", selection.metric().name());
        p.setProperty("budgetExhausted", Boolean.toString(selection.budgetExhausted()));
        p.setProperty("budgetMillis", Long.toString(budget.toMillis()));
        p.setProperty("candidates", Integer.toString(selection.candidates().size()));
        for (int i = 0; i < selection.candidates().size(); i++) {
            Selection.Candidate c = selection.candidates().get(i);
            String prefix = "candidate." + i + ".";
            p.setProperty(prefix + "backend", c.backend());
            p.setProperty(prefix + "outcome", c.outcome().name());
            p.setProperty(prefix + "p50Micros", Double.toString(c.p50Micros()));
            p.setProperty(prefix + "runsPerSecond", Double.toString(c.runsPerSecond()));
            p.setProperty(prefix + "difference", Double.toString(c.difference()));
            p.setProperty(prefix + "note", c.note());
        }
        Path temp = null;
        try {
            Files.createDirectories(directory);
            temp = Files.createTempFile(directory, ".tmp-", ".properties");
            try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                p.store(out, "infer4j: a backend chosen by measurement; delete this file to measure again");
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return file;
        } catch (IOException | RuntimeException e) {
            warnings.accept("cannot keep the decision in " + directory + " (" + e + "), so the next start measures again; "
                    + "give a writable directory with AutoSelection.builder().cacheDirectory(...)");
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the temporary file's name is no entry's, so it is never read
                }
            }
            return null;
        }
    }

    /**
     * Holds the decision of {@code key} for the caller until {@link Held#close()}: other threads of
     * this JVM, and other processes where the directory allows a lock file, wait. Where no lock file
     * can be made (a read-only directory), only threads of this JVM are kept apart.
     */
    Held lock(DecisionKey key) {
        Path lockFile = directory.resolve(key.digest() + ".lock");
        ReentrantLock local = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath(), f -> new ReentrantLock());
        local.lock();
        FileChannel channel = null;
        FileLock fileLock = null;
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            fileLock = channel.lock();
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            channel = null;
        }
        return new Held(local, channel, fileLock);
    }

    /** A held decision lock. */
    static final class Held implements AutoCloseable {
        private final ReentrantLock local;
        private final @Nullable FileChannel channel;
        private final @Nullable FileLock fileLock;

        private Held(ReentrantLock local, @Nullable FileChannel channel, @Nullable FileLock fileLock) {
            this.local = local;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        /** Releases the file lock and the in-process lock. */
        @Override
        public void close() {
            try {
                if (fileLock != null) {
                    fileLock.release();
                }
            } catch (IOException ignored) {
                // closing the channel releases it too
            } finally {
                closeQuietly(channel);
                local.unlock();
            }
        }
    }

    private static void closeQuietly(@Nullable FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was written through it
            }
        }
    }
}
