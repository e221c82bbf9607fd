package org.infer4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.infer4j.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CopyProbeTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int probe(String... args) {
        CommandLine cl = new CommandLine(new CopyProbe());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static boolean cudaRunsHere() {
        return Backends.discover().find("tensorrt").orElseThrow().availability().isAvailable();
    }

    @Test
    void aSizeBelowOneByteIsAUsageError() {
        assertThat(probe("--sizes", "1024,0")).isEqualTo(2);
        assertThat(err.toString()).contains("every size >= 1 byte");
    }

    @Test
    void withoutCudaItSaysSoAndWhereToLookAndFails() {
        assumeFalse(cudaRunsHere(), "CUDA runs here");
        assertThat(probe("--sizes", "64")).isEqualTo(1);
        assertThat(err.toString()).contains("CUDA cannot be loaded here").contains("org.infer4j.Backends");
    }

    @Test
    void timesEachSizeBothWaysAsAsyncCopyAndAsGraphAndWritesJson() throws Exception {
        assumeTrue(cudaRunsHere(), "needs a GPU");
        Path json = dir.resolve("copies.json");
        assertThat(probe("--sizes", "64,65536", "--warmup", "10", "--runs", "100", "--out", json.toString())).isZero();
        assertThat(out.toString()).containsPattern("64 h2d +async +[0-9.]+")
                .containsPattern("64 h2d +graph +[0-9.]+")
                .containsPattern("65536 d2h +async +[0-9.]+")
                .containsPattern("65536 d2h +graph +[0-9.]+");
        assertThat(Files.readString(json)).contains("\"gpuMicrosPerCopy\"").contains("\"way\" : \"graph\"")
                .contains("\"bytes\" : 65536");
    }
}
