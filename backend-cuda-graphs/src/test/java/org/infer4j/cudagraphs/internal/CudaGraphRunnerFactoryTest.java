package org.infer4j.cudagraphs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ServiceLoader;
import org.infer4j.tensorrt.spi.GraphRunner;
import org.infer4j.tensorrt.spi.GraphRunnerFactory;
import org.junit.jupiter.api.Test;

/** What needs no GPU: the tensorrt backend finds this module, and a runner's bookkeeping before any CUDA call. */
class CudaGraphRunnerFactoryTest {

    @Test
    void theTensorRtBackendFindsThisModuleWithServiceLoader() {
        assertThat(ServiceLoader.load(GraphRunnerFactory.class).stream().map(ServiceLoader.Provider::type))
                .containsExactly(CudaGraphRunnerFactory.class);
    }

    @Test
    void aNewRunnerHasEmptyStatsAndClosesIdempotently() {
        GraphRunner runner = new CudaGraphRunnerFactory().create(3, "test");
        assertThat(runner.stats()).isEqualTo(GraphRunner.Stats.NONE);
        runner.close();
        runner.close();
        assertThat(runner.stats().cachedGraphs()).isZero();
    }

    @Test
    void aClosedRunnerRefusesToRun() {
        GraphRunner runner = new CudaGraphRunnerFactory().create(1, "engine 'x' context 1");
        runner.close();
        assertThatThrownBy(() -> runner.run(new long[] {1, 4, 0, 0}, null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void capacityBelowOneIsRejected() {
        assertThatThrownBy(() -> new CudaGraphRunnerFactory().create(0, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 1");
    }
}
