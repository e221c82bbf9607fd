package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The sweep's progress line: i/N, elapsed, and an ETA from the measurements so far, with engine builds apart. */
class ProgressBarTest {

    @Test
    void etaIsTheMeanMeasurementTimeTimesTheMeasurementsLeft() {
        assertThat(ProgressBar.etaSeconds(0, 10, 0)).as("nothing to estimate from yet").isNull();
        assertThat(ProgressBar.etaSeconds(2, 10, 30)).isEqualTo(120.0);
        assertThat(ProgressBar.etaSeconds(10, 10, 50)).isZero();
        assertThat(ProgressBar.etaSeconds(12, 10, 50)).as("more done than planned: nothing left").isZero();
    }

    @Test
    void timesReadLikeAClock() {
        assertThat(ProgressBar.clockText(42.4)).isEqualTo("42s");
        assertThat(ProgressBar.clockText(185)).isEqualTo("3m05s");
        assertThat(ProgressBar.clockText(3725)).isEqualTo("1h02m");
    }

    @Test
    void theLineShowsCountElapsedAndEtaAndBuildsDoNotCountTowardsTheEta() {
        AtomicLong now = new AtomicLong();
        StringWriter text = new StringWriter();
        try (ProgressBar bar = new ProgressBar(new PrintWriter(text), 4, false, now::get)) {
            now.addAndGet(90_000_000_000L); // a 90 s engine build
            String built = bar.building("resnet50 on tensorrt FP16", 60, () -> "engine");
            assertThat(built).isEqualTo("engine");
            now.addAndGet(10_000_000_000L);
            bar.measured(10_000_000_000L, "resnet50 tensorrt FP16 b1");

            assertThat(bar.line("")).isEqualTo("[######..................] 1/4  elapsed 1m40s  ETA 30s");
        }
        assertThat(text.toString()).as("not a terminal: plain lines, no carriage returns").doesNotContain("\r")
                .contains("building resnet50 on tensorrt FP16...").contains("built resnet50 on tensorrt FP16 in 0.0 s")
                .contains("1/4  elapsed 1m40s  ETA 30s  resnet50 tensorrt FP16 b1");
    }

    @Test
    void onATerminalTheLineIsRedrawnInPlace() {
        StringWriter text = new StringWriter();
        try (ProgressBar bar = new ProgressBar(new PrintWriter(text), 2, true, System::nanoTime)) {
            bar.measured(1_000_000, "a");
            bar.measured(1_000_000, "b");
        }
        assertThat(text.toString()).contains("\r\033[K[############............] 1/2").contains("2/2");
    }
}
