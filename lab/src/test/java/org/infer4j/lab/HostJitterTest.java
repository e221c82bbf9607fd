package org.infer4j.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class HostJitterTest {
    @TempDir
    Path dir;

    @Test
    void spinningCountsOnlyGapsOverTheThresholdAndTheirShareOfTheTime() {
        HostJitter.Interruptions none = HostJitter.spin(20_000_000, Long.MAX_VALUE);
        assertThat(none.count()).isZero();
        assertThat(none.lostPercent()).isZero();

        HostJitter.Interruptions every = HostJitter.spin(20_000_000, -1); // every clock read is a "gap"
        assertThat(every.count()).isPositive();
        assertThat(every.perSecond()).isGreaterThan(every.count()); // 20 ms: more per second than counted
        assertThat(every.lostPercent()).isBetween(99.0, 100.0 + 1e-9);
        assertThat(every.maxMicros()).isGreaterThanOrEqualTo(every.p99Micros()).isGreaterThanOrEqualTo(every.p50Micros());
    }

    @Test
    void measuresEachCpuAskedForAndNamesTheQuietest() throws Exception {
        assumeTrue(CpuAffinity.allowedCpus().isPresent(), "Linux only");
        int cpu = CpuAffinity.expand(CpuAffinity.allowedCpus().orElseThrow()).get(0);
        Path json = dir.resolve("jitter.json");
        StringWriter console = new StringWriter();
        int status = pinnedThreadRun(new CommandLine(new HostJitter()).setOut(new PrintWriter(console)), "--cpus",
                Integer.toString(cpu), "--seconds", "0.05", "--loop-micros", "20,5", "-n", "200", "--out", json.toString());

        assertThat(status).isZero();
        assertThat(console.toString()).contains("5 µs loop p99/p50").contains("quietest CPU: " + cpu);
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("quietestCpu").asInt()).isEqualTo(cpu);
        JsonNode measured = root.get("cpus").get(0);
        assertThat(measured.get("cpu").asInt()).isEqualTo(cpu);
        assertThat(measured.get("error").isNull()).isTrue();
        assertThat(measured.get("loops")).hasSize(2);
        assertThat(measured.get("loops").get(0).get("targetMicros").asDouble()).isEqualTo(20.0); // in the order given
        assertThat(measured.get("loops").get(1).get("runs").asLong()).isEqualTo(200);
    }

    @Test
    void aCpuThatCannotBeUsedIsReportedAndFailsTheRun() throws Exception {
        assumeTrue(CpuAffinity.allowedCpus().isPresent(), "Linux only");
        StringWriter console = new StringWriter();
        int status = pinnedThreadRun(new CommandLine(new HostJitter()).setOut(new PrintWriter(console)), "--cpus", "4095",
                "--seconds", "0.01", "-n", "10");
        assertThat(status).isEqualTo(1);
        assertThat(console.toString()).contains("4095 FAILED").contains("taskset").contains("quietest CPU: none measured");
    }

    @Test
    void rejectsNonPositiveSettings() {
        StringWriter err = new StringWriter();
        int status = new CommandLine(new HostJitter()).setErr(new PrintWriter(err)).execute("--loop-micros", "15,0");
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("--loop-micros");
    }

    /** Runs on a thread of its own: HostJitter pins the calling thread, which must not be the test runner's. */
    private static int pinnedThreadRun(CommandLine cl, String... args) throws InterruptedException {
        int[] status = {-1};
        Thread t = new Thread(() -> status[0] = cl.execute(args));
        t.start();
        t.join();
        return status[0];
    }
}
