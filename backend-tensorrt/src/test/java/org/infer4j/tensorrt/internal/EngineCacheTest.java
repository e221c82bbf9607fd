package org.infer4j.tensorrt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineCacheTest {
    @TempDir
    Path dir;

    private static byte[] payload() {
        byte[] b = new byte[10_000];
        new Random(5).nextBytes(b);
        return b;
    }

    @Test
    void returnsWhatWasStored() {
        EngineCache cache = new EngineCache(dir.resolve("nested/cache"));

        cache.store("k.engine", payload());

        assertThat(cache.load("k.engine")).hasValueSatisfying(b -> assertThat(b).isEqualTo(payload()));
    }

    @Test
    void aMissingEntryIsEmpty() {
        assertThat(new EngineCache(dir).load("none.engine")).isEmpty();
    }

    @Test
    void aFlippedByteIsDetectedAndTheFileDeleted() throws Exception {
        EngineCache cache = new EngineCache(dir);
        cache.store("k.engine", payload());
        Path file = cache.fileOf("k.engine");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 100] ^= 1;
        Files.write(file, bytes);

        assertThat(cache.load("k.engine")).isEmpty();
        assertThat(file).doesNotExist();
    }

    @Test
    void aTruncatedFileIsDetectedAndDeleted() throws Exception {
        EngineCache cache = new EngineCache(dir);
        cache.store("k.engine", payload());
        Path file = cache.fileOf("k.engine");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));

        assertThat(cache.load("k.engine")).isEmpty();
        assertThat(file).doesNotExist();
    }

    @Test
    void aFileShorterThanItsHeaderIsDetected() throws Exception {
        EngineCache cache = new EngineCache(dir);
        Files.write(cache.fileOf("k.engine"), new byte[] {1, 2, 3});

        assertThat(cache.load("k.engine")).isEmpty();
    }

    @Test
    void aForeignFileSuchAsARawTensorRtPlanIsNotHandedToTensorRt() throws Exception {
        EngineCache cache = new EngineCache(dir);
        Files.write(cache.fileOf("k.engine"), payload());

        assertThat(cache.load("k.engine")).isEmpty();
        assertThat(cache.fileOf("k.engine")).doesNotExist();
    }

    @Test
    void aFileRenamedToAnotherKeyIsNotUsed() throws Exception {
        EngineCache cache = new EngineCache(dir);
        cache.store("a.engine", payload());
        Files.move(cache.fileOf("a.engine"), cache.fileOf("b.engine"));

        assertThat(cache.load("b.engine")).isEmpty();
    }

    @Test
    void storingAgainReplacesTheEntryAndLeavesNoTemporaryFiles() throws Exception {
        EngineCache cache = new EngineCache(dir);
        cache.store("k.engine", new byte[] {1});
        cache.store("k.engine", new byte[] {2, 3});

        assertThat(cache.load("k.engine")).hasValueSatisfying(b -> assertThat(b).containsExactly(2, 3));
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(cache.fileOf("k.engine"));
        }
    }

    @Test
    void anUnwritableDirectoryIsLoggedNotThrown() throws Exception {
        Path notADirectory = Files.write(dir.resolve("file"), new byte[] {0});
        EngineCache cache = new EngineCache(notADirectory);

        cache.store("k.engine", payload());

        assertThat(cache.load("k.engine")).isEmpty();
    }
}
