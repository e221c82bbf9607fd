package org.infer4j.tensorrt.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.infer4j.ModelLoadException;
import org.junit.jupiter.api.Test;

/** The JVM's exit waits for TensorRT builds in flight, and refuses new ones. */
class BuildsInFlightTest {
    private final BuildsInFlight builds = new BuildsInFlight();

    @Test
    void exitWithNoBuildRunningDoesNotWait() {
        assertThat(builds.awaitIdle(Duration.ofDays(1))).isTrue();
    }

    @Test
    void aTicketCountsItsBuildUntilClosedAndClosingTwiceCountsOnce() {
        BuildsInFlight.Ticket a = builds.enter("a.onnx");
        BuildsInFlight.Ticket b = builds.enter("b.onnx");
        assertThat(builds.running()).isEqualTo(2);
        a.close();
        a.close();
        assertThat(builds.running()).isEqualTo(1);
        b.close();
        assertThat(builds.running()).isZero();
    }

    @Test
    void exitWaitsForTheRunningBuildToReturn() throws Exception {
        BuildsInFlight.Ticket ticket = builds.enter("model.onnx");
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Boolean> exit = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            return builds.awaitIdle(Duration.ofDays(1));
        });
        waiting.await();
        assertThat(exit).isNotDone();
        ticket.close();
        assertThat(exit.get(1, TimeUnit.MINUTES)).as("idle once the build returned").isTrue();
    }

    @Test
    void exitGivesUpAfterItsLimitAndSaysABuildIsStillRunning() {
        try (BuildsInFlight.Ticket ticket = builds.enter("slow.onnx")) {
            assertThat(builds.awaitIdle(Duration.ZERO)).isFalse();
        }
    }

    @Test
    void noBuildStartsOnceTheJvmIsShuttingDown() {
        builds.awaitIdle(Duration.ZERO);
        assertThatThrownBy(() -> builds.enter("late.onnx")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("shutting down").hasMessageContaining("late.onnx");
        assertThat(builds.running()).isZero();
    }
}
