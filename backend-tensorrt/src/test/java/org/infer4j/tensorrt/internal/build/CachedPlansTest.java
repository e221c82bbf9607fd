package org.infer4j.tensorrt.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachedPlansTest {
    @TempDir
    Path dir;

    private static byte[] plan() {
        byte[] b = new byte[4_096];
        new Random(7).nextBytes(b);
        return b;
    }

    @Test
    void aCachedEngineGivesBackThePlanWithoutTheHeader() throws Exception {
        new EngineCache(dir).store("abc.engine", plan());

        assertThat(CachedPlans.planOf(dir.resolve("abc.engine"))).hasValueSatisfying(p -> assertThat(p).isEqualTo(plan()));
    }

    @Test
    void aPlainPlanFileIsNotACacheEntry() throws Exception {
        Path file = Files.write(dir.resolve("other-program.engine"), plan());

        assertThat(CachedPlans.planOf(file)).isEmpty();
        assertThat(file).exists();
    }

    @Test
    void aDamagedOrRenamedEntryIsNotGivenBackAndIsLeftInPlace() throws Exception {
        EngineCache cache = new EngineCache(dir);
        cache.store("abc.engine", plan());
        byte[] bytes = Files.readAllBytes(dir.resolve("abc.engine"));
        bytes[bytes.length - 1] ^= 1;
        Path damaged = Files.write(dir.resolve("abc.engine"), bytes);
        cache.store("def.engine", plan());
        Path renamed = Files.move(dir.resolve("def.engine"), dir.resolve("ghi.engine"));

        assertThat(CachedPlans.planOf(damaged)).isEmpty();
        assertThat(CachedPlans.planOf(renamed)).isEmpty();
        assertThat(damaged).exists();
        assertThat(renamed).exists();
    }

    @Test
    void aMissingFileIsAnIoError() {
        assertThatThrownBy(() -> CachedPlans.planOf(dir.resolve("none.engine"))).isInstanceOf(NoSuchFileException.class);
    }
}
