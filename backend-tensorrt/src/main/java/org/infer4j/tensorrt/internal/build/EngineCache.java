package org.infer4j.tensorrt.internal.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files of bytes (serialised engines, timing caches) in one directory, each wrapped so that a
 * truncated, damaged or misfiled file is recognised before TensorRT sees it: a magic number, the
 * header's format version, the name it was stored under, the payload length and its SHA-256. Files
 * that other programs read too (INT8 calibration tables) are stored plain ({@link #storePlain}),
 * written the same careful way.
 *
 * <p>What it guarantees:
 * <ul>
 *   <li>A file that fails the check (truncated, a flipped bit, another format version, a file
 *       without the header, one renamed from another entry) is never handed out: it is deleted,
 *       one WARN names it, and the entry reads as absent, so the caller rebuilds. Nothing here
 *       throws for a bad file.
 *   <li>An entry that passes the check but that TensorRT refuses ({@link #open}: built by another
 *       TensorRT version or for another GPU) is deleted the same way.
 *   <li>A directory that cannot be created or written is no error: the first failure logs one WARN
 *       naming the directory and the remedy, and later stores are skipped silently. Entries that
 *       are already there are still read, so a read-only directory of prebuilt engines works.
 *   <li>A store writes a temporary file of a unique name in the same directory, forces it to disk
 *       and renames it into place (atomically where the file system can). Readers see the old
 *       whole file or the new whole file, never part of one; concurrent writers of one entry, in
 *       threads or processes, leave one whole file. A temporary file left by a crash is never
 *       read: its name is no entry's.
 * </ul>
 * Thread-safe.
 */
public final class EngineCache {
    private static final Logger log = LoggerFactory.getLogger(EngineCache.class);
    private static final byte[] MAGIC = "INFER4J-TRT-CACHE\n".getBytes(StandardCharsets.US_ASCII);
    /** The header's layout; a file of another version is unusable and rebuilt. */
    static final int FORMAT = 2;
    private static final int DIGEST_BYTES = 32;
    /** Temporary files start with this, so that no entry name (a digest or {@code timing-}) can be one. */
    static final String TEMP_PREFIX = ".tmp-";

    private final Path directory;
    private final Consumer<String> warnings;
    private volatile boolean writable = true;

    /**
     * A cache in {@code directory}, which is created on the first store; warnings go to the log.
     *
     * @param directory where the entries are
     */
    public EngineCache(Path directory) {
        this(directory, log::warn);
    }

    /** @param warnings receives each warning line (the log's WARN level in production, a list in tests) */
    EngineCache(Path directory, Consumer<String> warnings) {
        this.directory = directory;
        this.warnings = warnings;
    }

    /**
     * Where the entry {@code name} is, or would be.
     *
     * @param name an entry's name
     * @return its file in the cache directory
     */
    public Path fileOf(String name) {
        return directory.resolve(name);
    }

    /** The payload stored under {@code name}, or empty if there is none or it was unusable (and is now deleted). */
    Optional<byte[]> load(String name) {
        Path file = fileOf(name);
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (Files.isDirectory(directory)) {
                warnings.accept("cannot read cache file " + file + " (" + e + "); building instead");
            } // else there is no cache yet, or no usable directory, which the first store reports
            return Optional.empty();
        }
        String problem = check(all, name);
        if (problem != null) {
            warnings.accept("cache file " + file + " is unusable (" + problem + "); deleting it and building instead");
            delete(name);
            return Optional.empty();
        }
        return Optional.of(Arrays.copyOfRange(all, headerLength(name), all.length));
    }

    /**
     * The entry under {@code name} as {@code reader} makes it, or empty if there is none, it is
     * unusable ({@link #load}), or the reader returns null because TensorRT refused it: the file is
     * then deleted with one WARN naming it, and the caller builds. The reader sees only payloads
     * that passed the check.
     *
     * @param name the entry's name
     * @param reader makes the entry from a checked payload, or returns null if TensorRT refuses it
     * @param <T> what the reader makes
     * @return what the reader made, or empty
     */
    public <T> Optional<T> open(String name, Function<byte[], @Nullable T> reader) {
        Optional<byte[]> payload = load(name);
        if (payload.isEmpty()) {
            return Optional.empty();
        }
        T opened = reader.apply(payload.get());
        if (opened == null) {
            warnings.accept("TensorRT could not load the cache file " + fileOf(name) + " (made by another TensorRT version "
                    + "or for another GPU?); deleting it and building instead");
            delete(name);
        }
        return Optional.ofNullable(opened);
    }

    /**
     * Whether stores can succeed, as far as can be told before one: the directory exists or could
     * be created, and is writable. The first time it is not, one WARN names the directory and the
     * remedy, and every later store is skipped. Call it before a long build to warn early.
     *
     * @return whether stores can succeed
     */
    public boolean writable() {
        if (!writable) {
            return false;
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException | RuntimeException e) {
            unwritable(e);
            return false;
        }
        if (!Files.isWritable(directory)) {
            unwritable(new IOException("not writable by this process"));
            return false;
        }
        return true;
    }

    /**
     * Stores {@code payload} under {@code name}, replacing any entry; false if it could not (the
     * first failure of the cache was logged): the cache is an optimisation, so this never throws.
     *
     * @param name the entry's name
     * @param payload the bytes to keep
     * @return whether the entry is now stored
     */
    public boolean store(String name, byte[] payload) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer header = ByteBuffer.allocate(headerLength(name));
        header.put(MAGIC).putInt(FORMAT).putInt(nameBytes.length).put(nameBytes).putLong(payload.length)
                .put(sha256(payload, 0, payload.length)).flip();
        return write(name, header, ByteBuffer.wrap(payload));
    }

    /**
     * Stores {@code content} under {@code name} as it is, without the checked header, for files that other
     * programs read (the INT8 calibration table, which ONNX Runtime's TensorRT provider reads too); written
     * the way {@link #store} writes, and false where it could not be.
     *
     * @param name the file's name
     * @param content the file's bytes
     * @return whether the file is now stored
     */
    public boolean storePlain(String name, byte[] content) {
        return write(name, ByteBuffer.wrap(content));
    }

    /**
     * The bytes of a file stored with {@link #storePlain}, or empty if there is none or it cannot be read.
     * Nothing checks them: the caller recognises its own format.
     *
     * @param name the file's name
     * @return its bytes, or empty
     */
    public Optional<byte[]> loadPlain(String name) {
        try {
            return Optional.of(Files.readAllBytes(fileOf(name)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            warnings.accept("cannot read cache file " + fileOf(name) + " (" + e + "); making it anew");
            return Optional.empty();
        }
    }

    private boolean write(String name, ByteBuffer... parts) {
        if (!writable()) {
            return false;
        }
        Path file = fileOf(name);
        Path temp = null;
        try {
            // not Files.createTempFile: its owner-only permissions would keep a shared cache from other users
            Path fresh = directory.resolve(TEMP_PREFIX + name + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            long length = 0;
            try (FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                temp = fresh;
                for (ByteBuffer part : parts) {
                    length += part.remaining();
                    writeFully(out, part);
                }
                out.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            log.debug("stored {} bytes in {}", length, file);
            return true;
        } catch (IOException | RuntimeException e) {
            unwritable(e);
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    log.debug("cannot delete {}", temp);
                }
            }
            return false;
        }
    }

    /** Deletes the entry, e.g. after TensorRT refused a well-formed but incompatible engine. */
    void delete(String name) {
        try {
            Files.deleteIfExists(fileOf(name));
        } catch (IOException e) {
            warnings.accept("cannot delete unusable cache file " + fileOf(name) + " (" + e + ")");
        }
    }

    private void unwritable(Exception cause) {
        boolean first;
        synchronized (this) {
            first = writable;
            writable = false;
        }
        if (first) {
            warnings.accept("cannot write to the TensorRT engine cache directory " + directory + " (" + cause + "); engines "
                    + "are built and run without being cached, so every start builds again. Make the directory writable "
                    + "(permissions, free space) or choose another with TensorRtSettings.cacheDirectory");
        } else {
            log.debug("not caching in {}: {}", directory, cause.toString());
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    private static @Nullable String check(byte[] all, String name) {
        int headerLength = headerLength(name);
        if (all.length < MAGIC.length || !Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return "not an infer4j cache file";
        }
        if (all.length < headerLength) {
            return "shorter than its header: " + all.length + " bytes";
        }
        ByteBuffer b = ByteBuffer.wrap(all, MAGIC.length, all.length - MAGIC.length);
        int format = b.getInt();
        if (format != FORMAT) {
            return "written by another infer4j version, in header format " + format + " where this one reads " + FORMAT;
        }
        byte[] expectedName = name.getBytes(StandardCharsets.UTF_8);
        int nameLength = b.getInt();
        if (nameLength != expectedName.length) {
            return "stored under another name";
        }
        byte[] storedName = new byte[nameLength];
        b.get(storedName);
        if (!Arrays.equals(storedName, expectedName)) {
            return "stored under another name";
        }
        long payloadLength = b.getLong();
        if (payloadLength != all.length - headerLength) {
            return "payload of " + (all.length - headerLength) + " bytes where " + payloadLength + " were written";
        }
        byte[] digest = new byte[DIGEST_BYTES];
        b.get(digest);
        if (!MessageDigest.isEqual(digest, sha256(all, headerLength, all.length - headerLength))) {
            return "checksum mismatch";
        }
        return null;
    }

    private static int headerLength(String name) {
        return MAGIC.length + Integer.BYTES + Integer.BYTES + name.getBytes(StandardCharsets.UTF_8).length + Long.BYTES
                + DIGEST_BYTES;
    }

    private static byte[] sha256(byte[] bytes, int offset, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes, offset, length);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
