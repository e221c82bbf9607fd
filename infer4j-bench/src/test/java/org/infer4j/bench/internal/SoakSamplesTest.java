package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakSamplesTest {
    @TempDir
    Path dir;

    private static SoakSamples.Row row(int chunk, SoakSamples.Event event, Long... memory) {
        return new SoakSamples.Row(chunk, event, "2026-01-01T00:00:00Z", 1.5, 0.25, Arrays.asList(memory), 10, 1, 2);
    }

    @Test
    void rowsWrittenAreReadBackWithTheHeaderFirstAndEmptyFieldsAsNull() throws IOException {
        SoakSamples samples = new SoakSamples(dir.resolve("samples.csv"));
        SoakSamples.Row first = row(1, SoakSamples.Event.START, 100L, 200L, 300L, null, null);
        SoakSamples.Row second = row(1, SoakSamples.Event.AFTER_CLOSE, 1L, 2L, 3L, 4L, 5L);

        samples.append(first);
        samples.append(second);

        assertThat(Files.readAllLines(samples.file())).first().isEqualTo(SoakSamples.HEADER);
        assertThat(Files.readAllLines(samples.file()).get(1)).isEqualTo("1,start,2026-01-01T00:00:00Z,1.500,0.250,100,200,300,,,10,1,2");
        assertThat(samples.read()).containsExactly(first, second);
        samples.requireAppendable();
    }

    @Test
    void aFileOfAnotherLayoutIsNotAppendedTo() throws IOException {
        Files.writeString(dir.resolve("samples.csv"), "t,rss\n1,2\n");

        assertThatThrownBy(() -> new SoakSamples(dir.resolve("samples.csv")).requireAppendable())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("give another --out");
    }

    @Test
    void aLastLineCutShortByAKilledProcessIsLeftOutButABrokenLineElsewhereIsAnError() throws IOException {
        SoakSamples samples = new SoakSamples(dir.resolve("samples.csv"));
        samples.append(row(1, SoakSamples.Event.START, 1L, 2L, 3L, 4L, 5L));
        Files.writeString(samples.file(), "1,sample,2026-01-01T00:00:01Z,1.0", StandardOpenOption.APPEND);

        assertThat(samples.read()).hasSize(1);

        Files.writeString(samples.file(), "\n1,end,2026-01-01T00:00:02Z,2.000,2.000,1,2,3,4,5,10,0,0\n", StandardOpenOption.APPEND);
        assertThatThrownBy(samples::read).isInstanceOf(IllegalStateException.class).hasMessageContaining("line 3");
    }

    @Test
    void aRowHasOneValuePerMemorySeries() {
        assertThatThrownBy(() -> new SoakSamples.Row(1, SoakSamples.Event.SAMPLE, "t", 0, 0, List.of(1L), 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theResidentSetIsReadFromProcStatusInKilobytes() {
        assertThat(MemoryProbe.rssBytes(List.of("Name:\tjava", "VmPeak:\t  999 kB", "VmRSS:\t  123456 kB"))).isEqualTo(123456L * 1024);
        assertThat(MemoryProbe.rssBytes(List.of("Name:\tjava"))).isNull();
        assertThat(MemoryProbe.rssBytes(List.of("VmRSS:\t  12 MB"))).isNull();
    }
}
