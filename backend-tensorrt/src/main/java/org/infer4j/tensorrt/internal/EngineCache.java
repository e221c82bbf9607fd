package org.infer4j.tensorrt.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files of bytes (serialised engines, timing caches) in one directory, each wrapped so that a
 * truncated, damaged or misfiled file is recognised before TensorRT sees it: a magic number, the
 * name it was stored under, the payload length and its SHA-256. A bad file is logged, deleted and
 * reported as absent, so the caller rebuilds; nothing here throws for a bad file. Writes go to a
 * temporary file first and are moved into place, so a crash mid-write leaves no half file and
 * concurrent writers of the same entry leave one whole file. Thread-safe.
 */
final class EngineCache {
    private static final Logger log = LoggerFactory.getLogger(EngineCache.class);
    private static final byte[] MAGIC = "INFER4J-TRT-CACHE\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGEST_BYTES = 32;

    private final Path directory;

    EngineCache(Path directory) {
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    Path fileOf(String name) {
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
            log.warn("cannot read cache file {} ({}); building instead", file, e.toString());
            return Optional.empty();
        }
        String problem = check(all, name);
        if (problem != null) {
            log.warn("cache file {} is unusable ({}); deleting it and building instead", file, problem);
            delete(name);
            return Optional.empty();
        }
        int payloadStart = headerLength(name);
        return Optional.of(Arrays.copyOfRange(all, payloadStart, all.length));
    }

    /** Stores {@code payload} under {@code name}; a failure to write is logged, never thrown: the cache is an optimisation. */
    void store(String name, byte[] payload) {
        Path file = fileOf(name);
        Path temp = null;
        try {
            Files.createDirectories(directory);
            byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
            ByteBuffer header = ByteBuffer.allocate(headerLength(name));
            header.put(MAGIC).putInt(nameBytes.length).put(nameBytes).putLong(payload.length).put(sha256(payload));
            temp = Files.createTempFile(directory, name, ".tmp");
            try (var out = Files.newOutputStream(temp)) {
                out.write(header.array());
                out.write(payload);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            log.debug("stored {} bytes in {}", payload.length, file);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot write cache file {} ({}); the next start will build again", file, e.toString());
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    log.debug("cannot delete {}", temp);
                }
            }
        }
    }

    /**
     * The payload of {@code file}'s bytes if they are a whole cache file stored under {@code name},
     * else empty; reads nothing and deletes nothing (for tools that inspect the cache).
     */
    static Optional<byte[]> payloadOf(byte[] file, String name) {
        return check(file, name) == null ? Optional.of(Arrays.copyOfRange(file, headerLength(name), file.length))
                : Optional.empty();
    }

    /** Deletes the entry, e.g. after TensorRT refused a well-formed but incompatible engine. */
    void delete(String name) {
        try {
            Files.deleteIfExists(fileOf(name));
        } catch (IOException e) {
            log.warn("cannot delete unusable cache file {} ({})", fileOf(name), e.toString());
        }
    }

    private static @Nullable String check(byte[] all, String name) {
        int headerLength = headerLength(name);
        if (all.length < headerLength) {
            return "shorter than its header: " + all.length + " bytes";
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            return "not an infer4j cache file";
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
        if (!MessageDigest.isEqual(digest, sha256(Arrays.copyOfRange(all, headerLength, all.length)))) {
            return "checksum mismatch";
        }
        return null;
    }

    private static int headerLength(String name) {
        return MAGIC.length + Integer.BYTES + name.getBytes(StandardCharsets.UTF_8).length + Long.BYTES + DIGEST_BYTES;
    }

    private static byte[] sha256(byte[] payload) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(payload);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
