package org.infer4j.tensorrt.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the engine cache guarantees about its files: damaged ones never reach TensorRT, an
 * unusable directory is a warning and not an error, and concurrent writers leave a whole file.
 */
class EngineCacheTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private EngineCache cache(Path directory) {
        return new EngineCache(directory, warnings::add);
    }

    private static byte[] payload(int seed) {
        byte[] b = new byte[10_000];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static List<Path> filesIn(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.toList();
        }
    }

    @Test
    void returnsWhatWasStoredCreatingTheDirectory() {
        EngineCache cache = cache(dir.resolve("nested/cache"));

        assertThat(cache.store("k.engine", payload(1))).isTrue();

        assertThat(cache.load("k.engine")).hasValueSatisfying(b -> assertThat(b).isEqualTo(payload(1)));
        assertThat(warnings).isEmpty();
    }

    @Test
    void aPlainFileIsStoredAsItIsForOtherProgramsToRead() throws Exception {
        EngineCache cache = cache(dir.resolve("nested"));
        byte[] table = "TRT-100600-EntropyCalibration2\ninput: 3c010a14\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(cache.storePlain("int8-ab.calibration", table)).isTrue();

        assertThat(Files.readAllBytes(cache.fileOf("int8-ab.calibration"))).isEqualTo(table);
        assertThat(cache.loadPlain("int8-ab.calibration")).hasValue(table);
        assertThat(cache.loadPlain("int8-none.calibration")).isEmpty();
        assertThat(warnings).isEmpty();
    }

    @Test
    void aMissingEntryIsEmptyWithoutAWarning() {
        assertThat(cache(dir).load("none.engine")).isEmpty();
        assertThat(cache(dir.resolve("not-yet-created")).load("none.engine")).isEmpty();
        assertThat(warnings).isEmpty();
    }

    @Test
    void aFlippedBitIsDetectedTheFileDeletedAndNamedInOneWarning() throws Exception {
        EngineCache cache = cache(dir);
        cache.store("k.engine", payload(1));
        Path file = cache.fileOf("k.engine");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 100] ^= 1;
        Files.write(file, bytes);

        assertThat(cache.load("k.engine")).isEmpty();
        assertThat(file).doesNotExist();
        assertThat(warnings).singleElement().asString().contains(file.toString()).contains("checksum mismatch");
    }

    @Test
    void aTruncatedFileIsDetectedTheFileDeletedAndNamedInOneWarning() throws Exception {
        EngineCache cache = cache(dir);
        cache.store("k.engine", payload(1));
        Path file = cache.fileOf("k.engine");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));

        assertThat(cache.load("k.engine")).isEmpty();
        assertThat(file).doesNotExist();
        assertThat(warnings).singleElement().asString().contains(file.toString()).contains("bytes where 10000 were written");
    }

    @Test
    void aFileCutInsideItsHeaderIsDetected() throws Exception {
        EngineCache cache = cache(dir);
        cache.store("k.engine", payload(1));
        Path file = cache.fileOf("k.engine");
        Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 30));

        assertThat(cache.load("k.engine")).isEmpty();
        assertThat(file).doesNotExist();
        assertThat(warnings).singleElement().asString().contains("shorter than its header");
    }

    @Test
    void aFileWithoutTheHeaderSuchAsARawTensorRtPlanIsDeletedNotHandedOn() throws Exception {
        EngineCache cache = cache(dir);
        Files.write(cache.fileOf("k.engine"), payload(1));

        assertThat(cache.load("k.engine")).isEmpty();
        assertThat(cache.fileOf("k.engine")).doesNotExist();
        assertThat(warnings).singleElement().asString().contains("not an infer4j cache file");
    }

    @Test
    void aFileInTheEarlierHeaderLayoutWithoutAFormatVersionIsRebuiltOnce() throws Exception {
        EngineCache cache = cache(dir);
        Files.write(cache.fileOf("k.engine"), firstLayout("k.engine", payload(1)));

        assertThat(cache.load("k.engine")).isEmpty();
        assertThat(cache.fileOf("k.engine")).doesNotExist();
        assertThat(warnings).singleElement().asString().contains("another infer4j version");

        cache.store("k.engine", payload(1));
        assertThat(cache.load("k.engine")).hasValueSatisfying(b -> assertThat(b).isEqualTo(payload(1)));
        assertThat(warnings).hasSize(1);
    }

    /** The layout before the header carried a format version: magic, name, length, SHA-256, payload. */
    private static byte[] firstLayout(String name, byte[] payload) throws Exception {
        byte[] magic = "INFER4J-TRT-CACHE\n".getBytes(StandardCharsets.US_ASCII);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(magic.length + 4 + nameBytes.length + 8 + 32 + payload.length).put(magic)
                .putInt(nameBytes.length).put(nameBytes).putLong(payload.length)
                .put(MessageDigest.getInstance("SHA-256").digest(payload)).put(payload).array();
    }

    @Test
    void aFileRenamedFromAnotherEntryIsNotUsed() throws Exception {
        EngineCache cache = cache(dir);
        cache.store("a.engine", payload(1));
        Files.move(cache.fileOf("a.engine"), cache.fileOf("b.engine"));

        assertThat(cache.load("b.engine")).isEmpty();
        assertThat(warnings).singleElement().asString().contains("stored under another name");
    }

    @Test
    void aDamagedFileNeverReachesTheReader() throws Exception {
        EngineCache cache = cache(dir);
        cache.store("k.engine", payload(1));
        byte[] bytes = Files.readAllBytes(cache.fileOf("k.engine"));
        bytes[bytes.length - 1] ^= (byte) 0x80;
        Files.write(cache.fileOf("k.engine"), bytes);
        List<byte[]> read = new ArrayList<>();

        assertThat(cache.open("k.engine", b -> {
            read.add(b);
            return "engine";
        })).isEmpty();
        assertThat(read).isEmpty();
    }

    @Test
    void aWholeEntryThatTensorRtRefusesIsDeletedWithOneWarningSoTheCallerRebuilds() {
        EngineCache cache = cache(dir);
        cache.store("k.engine", payload(1));

        assertThat(cache.open("k.engine", b -> null)).isEmpty();

        assertThat(cache.fileOf("k.engine")).doesNotExist();
        assertThat(warnings).singleElement().asString().contains(cache.fileOf("k.engine").toString())
                .contains("another TensorRT version or for another GPU");
    }

    @Test
    void aWholeEntryThatTensorRtAcceptsIsOpenedAndKept() {
        EngineCache cache = cache(dir);
        cache.store("k.engine", payload(1));

        assertThat(cache.open("k.engine", b -> b.length)).contains(10_000);
        assertThat(cache.fileOf("k.engine")).exists();
        assertThat(warnings).isEmpty();
    }

    @Test
    void storingAgainReplacesTheEntryAndLeavesNoTemporaryFiles() throws Exception {
        EngineCache cache = cache(dir);
        cache.store("k.engine", new byte[] {1});
        cache.store("k.engine", new byte[] {2, 3});

        assertThat(cache.load("k.engine")).hasValueSatisfying(b -> assertThat(b).containsExactly(2, 3));
        assertThat(filesIn(dir)).containsExactly(cache.fileOf("k.engine"));
    }

    @Test
    void aDirectoryThatCannotBeCreatedIsOneWarningNamingItAndTheRemedyAndNoException() throws Exception {
        Path underAFile = Files.write(dir.resolve("file"), new byte[] {0}).resolve("cache");
        EngineCache cache = cache(underAFile);

        assertThat(cache.load("k.engine")).isEmpty();
        assertThat(cache.writable()).isFalse();
        assertThat(cache.store("k.engine", payload(1))).isFalse();
        assertThat(cache.store("timing.cache", payload(2))).isFalse();
        assertThat(cache.load("k.engine")).isEmpty();

        assertThat(warnings).singleElement().asString().contains(underAFile.toString())
                .contains("built and run without being cached").contains("TensorRtSettings.cacheDirectory")
                .contains("permissions");
    }

    @Test
    void aReadOnlyDirectoryStillServesTheEntriesInItAndWarnsOnceAboutStores() throws Exception {
        cache(dir).store("prebuilt.engine", payload(1));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(dir), "this process writes to read-only directories (root)");
            EngineCache cache = cache(dir);

            assertThat(cache.load("prebuilt.engine")).hasValueSatisfying(b -> assertThat(b).isEqualTo(payload(1)));
            assertThat(cache.store("k.engine", payload(2))).isFalse();
            assertThat(cache.store("k.engine", payload(2))).isFalse();
            assertThat(warnings).singleElement().asString().contains(dir.toString()).contains("TensorRtSettings.cacheDirectory");
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aTemporaryFileLeftByACrashedWriterIsNeverRead() throws Exception {
        EngineCache cache = cache(dir);
        Path leftover = Files.write(dir.resolve(EngineCache.TEMP_PREFIX + "k.engine.1234abcd"), new byte[] {1, 2, 3});

        assertThat(cache.load("k.engine")).isEmpty();
        cache.store("k.engine", payload(1));

        assertThat(cache.load("k.engine")).hasValueSatisfying(b -> assertThat(b).isEqualTo(payload(1)));
        assertThat(leftover).as("it may be another writer's, still being written").exists();
        assertThat(warnings).isEmpty();
    }

    /**
     * Writers in several threads (each with a cache of its own, as separate processes would have)
     * store different payloads under one name while readers load it: every load is one whole
     * payload or nothing, never part of one, and one whole file remains.
     */
    @Test
    void concurrentWritersAndReadersOfOneEntryOnlyEverSeeWholeFiles() throws Exception {
        int writers = 4;
        int readers = 4;
        int rounds = 25;
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            payloads.add(payload(100 + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers + readers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                byte[] mine = payloads.get(w);
                work.add(pool.submit(() -> {
                    EngineCache own = cache(dir);
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        assertThat(own.store("k.engine", mine)).isTrue();
                    }
                    return null;
                }));
            }
            for (int r = 0; r < readers; r++) {
                work.add(pool.submit(() -> {
                    EngineCache own = cache(dir);
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        own.load("k.engine").ifPresent(b -> assertThat(payloads).anySatisfy(p -> assertThat(b).isEqualTo(p)));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : work) {
                f.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(warnings).as("no reader met a damaged file").isEmpty();
        assertThat(filesIn(dir)).containsExactly(dir.resolve("k.engine"));
        assertThat(cache(dir).load("k.engine")).hasValueSatisfying(b -> assertThat(payloads).anySatisfy(
                p -> assertThat(b).isEqualTo(p)));
    }
}
