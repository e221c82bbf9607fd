package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.infer4j.InferenceEngine;
import org.infer4j.ShapeRange;
import org.infer4j.TensorInfo;
import org.junit.jupiter.api.Test;

/** How a sweep expands into engines and loads: graphs off/on × static/dynamic profiles, threads × rates. */
class SweepTest {
    private static final Path ENCODER = Path.of("..", "models", "encoder_tiny.onnx");

    private static List<TensorInfo> encoderInputs() {
        try (InferenceEngine engine = InferenceEngine.builder().model(ENCODER).backend("ort-cpu").build()) {
            return engine.inputs();
        }
    }

    @Test
    void graphsOffOnTimesStaticDynamicGivesOneDynamicEngineAndOneStaticEnginePerWorkloadForEachGraphMode() {
        List<TensorInfo> inputs = encoderInputs();
        List<Workload> workloads = Workload.all(inputs, List.of(1, 8), List.of(32, 128), Map.of());
        Sweep sweep = new Sweep(List.of(false, true), List.of(Sweep.Profile.STATIC, Sweep.Profile.DYNAMIC),
                List.of(Sweep.Load.closed(1)));

        List<Sweep.EngineSpec> engines = sweep.engines(inputs, workloads);

        assertThat(workloads).hasSize(4);
        assertThat(engines).hasSize(2 * (4 + 1));
        assertThat(engines).extracting(Sweep.EngineSpec::describe).startsWith("graphs off, static profile")
                .endsWith("graphs on, dynamic profile");
        Sweep.EngineSpec firstStatic = engines.get(0);
        assertThat(firstStatic.workloads()).containsExactly(workloads.get(0));
        ShapeRange fixed = firstStatic.ranges().get("input_ids");
        assertThat(fixed.min().toArray()).containsExactly(1, 32);
        assertThat(fixed.max().toArray()).as("static: min = max = the workload's shape").containsExactly(1, 32);
        Sweep.EngineSpec dynamic = engines.get(4);
        assertThat(dynamic.profile()).isEqualTo(Sweep.Profile.DYNAMIC);
        assertThat(dynamic.workloads()).hasSize(4);
        assertThat(dynamic.ranges().get("input_ids").min().toArray()).containsExactly(1, 32);
        assertThat(dynamic.ranges().get("input_ids").max().toArray()).as("dynamic: spans the sweep").containsExactly(8, 128);
        assertThat(engines.subList(5, 10)).allSatisfy(e -> assertThat(e.cudaGraphs()).isTrue());
        assertThat(sweep.measurementsOf(dynamic, 0)).isEqualTo(4);
    }

    @Test
    void loadsAreThreadsTimesRatesWithZeroForTheClosedLoop() {
        List<Sweep.Load> loads = Sweep.loads(List.of(1, 4), List.of(0.0, 500.0));

        assertThat(loads).containsExactly(Sweep.Load.closed(1), new Sweep.Load(1, 500), Sweep.Load.closed(4),
                new Sweep.Load(4, 500));
        assertThat(loads).extracting(Sweep.Load::describe)
                .containsExactly("1 thread", "1 thread, 500/s", "4 threads", "4 threads, 500/s");
        assertThat(Sweep.loads(List.of(), List.of())).containsExactly(Sweep.Load.closed(1));
    }

    @Test
    void aSingleSweepIsWhatTheBenchmarkDidBefore() {
        Sweep single = Sweep.single(true);

        assertThat(single.cudaGraphs()).containsExactly(true);
        assertThat(single.profiles()).containsExactly(Sweep.Profile.DYNAMIC);
        assertThat(single.loads()).containsExactly(Sweep.Load.closed(1));
    }

    @Test
    void repeatedOrEmptyDimensionsAndBadLoadsAreRefused() {
        assertThatThrownBy(() -> new Sweep(List.of(false, false), List.of(Sweep.Profile.DYNAMIC), List.of(Sweep.Load.closed(1))))
                .hasMessageContaining("--cuda-graphs lists a mode twice");
        assertThatThrownBy(() -> new Sweep(List.of(false), List.of(), List.of(Sweep.Load.closed(1))))
                .hasMessageContaining("at least one");
        assertThatThrownBy(() -> new Sweep.Load(0, 0)).hasMessageContaining("--threads must be at least 1");
        assertThatThrownBy(() -> new Sweep.Load(1, -5)).hasMessageContaining("--rate must be a positive");
    }
}
