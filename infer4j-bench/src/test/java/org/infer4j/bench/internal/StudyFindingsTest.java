package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The study's four comparisons, computed from runs as the benchmark writes them. */
class StudyFindingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<HtmlReport.Run> runs = new ArrayList<>();

    /** A closed-loop, one-thread, dynamic-profile run unless {@code extra} says otherwise. */
    private void run(String model, String backend, String precision, int batch, boolean graphs, double p50, double p99,
                     double throughput, @Nullable Double gpuUtil, String extra) {
        String gpu = gpuUtil == null ? "" : String.format(Locale.ROOT, ", \"gpu\": {\"devices\": [{\"index\": 0, "
                + "\"summary\": {\"gpu_utilization_percent\": {\"mean\": %f}}}]}", gpuUtil);
        String json = String.format(Locale.ROOT, """
                {"model": "%s.onnx", "backend": "%s", "precision": "%s", "batch": %d, "seq_len": null, "cuda_graphs": %b,
                 "latency_us": {"mean": %f, "median": %f, "p99": %f}, "throughput_fps": %f %s %s}
                """, model, backend, precision, batch, graphs, p50, p50, p99, throughput, gpu, extra);
        try {
            runs.add(new HtmlReport.Run("", JSON.readTree(json)));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private void run(String model, String backend, String precision, int batch, boolean graphs, double p50) {
        run(model, backend, precision, batch, graphs, p50, 2 * p50, 1e6 / p50 * batch, null, "");
    }

    @Test
    void ortCudaIsBusyWhereNvmlSaysSoAndItsThroughputGainIsAgainstTheNextSmallerBatch() {
        run("m", "ort-cuda", "FP32", 1, false, 100, 150, 10_000, 95.0, "");
        run("m", "ort-cuda", "FP32", 8, false, 200, 300, 40_000, 50.0, "");

        String md = StudyFindings.markdown(runs);

        assertThat(md).contains("| m | 1 | - | 100.0 | 10000.0 | 95.0 | - | yes |",
                "| m | 8 | - | 200.0 | 40000.0 | 50.0 | 4.00× | no |");
    }

    @Test
    void tensorRtsGainIsAgainstTheFasterOfItsTwoBackendsInEachPrecision() {
        run("m", "ort-cuda", "FP32", 1, false, 1000);
        run("m", "ort-tensorrt", "FP16", 1, false, 400);
        run("m", "tensorrt", "FP16", 1, false, 250);
        run("m", "tensorrt", "FP16", 1, true, 100); // graphs are not part of this comparison

        assertThat(StudyFindings.markdown(runs)).contains("| m | 1 | - | 1000.0 | - | - | tensorrt 250.0 | 4.00 |");
    }

    @Test
    void theTwoTensorRtBackendsConvergeWithinFivePercent() {
        run("a", "ort-tensorrt", "FP16", 1, false, 100);
        run("a", "tensorrt", "FP16", 1, false, 104);
        run("b", "ort-tensorrt", "FP16", 1, false, 100);
        run("b", "tensorrt", "FP16", 1, false, 70);

        assertThat(StudyFindings.markdown(runs)).contains("| a | 1 | - | FP16 | 100.0 | 104.0 | 1.04 | yes |",
                "| b | 1 | - | FP16 | 100.0 | 70.0 | 0.70 | no |");
    }

    @Test
    void graphsAreComparedOnTensorRtWithTheirTailRatios() {
        run("m", "tensorrt", "FP16", 1, false, 300, 900, 1, null, "");
        run("m", "tensorrt", "FP16", 1, true, 100, 110, 1, null, "");

        assertThat(StudyFindings.markdown(runs)).contains("| m | 1 | - | FP16 | 300.0 | 100.0 | 3.00× | 3.00 | 1.10 |");
    }

    @Test
    void repeatedRunsOfOneConfigurationCountWithTheirMedian() {
        run("m", "ort-tensorrt", "FP16", 1, false, 100);
        for (double p50 : new double[] {300, 100, 200}) {
            run("m", "tensorrt", "FP16", 1, false, p50);
        }

        assertThat(StudyFindings.markdown(runs)).contains("| m | 1 | - | FP16 | 100.0 | 200.0 | 2.00 | no |");
    }

    @Test
    void runsOfEnginesBuiltForDifferentShapeRangesAreNeitherPooledNorComparedAndTheModelIsNamedWithEachRange() {
        String wide = ", \"profile_ranges\": {\"x\": {\"min\": [1, 4], \"opt\": [32, 4], \"max\": [32, 4]}}";
        String narrow = ", \"profile_ranges\": {\"x\": {\"min\": [1, 4], \"opt\": [1, 4], \"max\": [1, 4]}}";
        run("m", "ort-tensorrt", "FP16", 1, false, 100, 200, 1, null, wide);
        run("m", "tensorrt", "FP16", 1, false, 90, 180, 1, null, wide);
        run("m", "ort-tensorrt", "FP16", 1, false, 80, 160, 1, null, narrow);
        run("m", "tensorrt", "FP16", 1, false, 40, 80, 1, null, narrow);

        String convergence = section(StudyFindings.markdown(runs), "converge");

        assertThat(convergence).contains("| m (engine for 1x4) | 1 | - | FP16 | 80.0 | 40.0 | 0.50 | no |",
                "| m (engine for 1x4..32x4) | 1 | - | FP16 | 100.0 | 90.0 | 0.90 | no |");
    }

    @Test
    void runsGivenBackendOptionsAreAnotherExperimentNamedWithThem() {
        String blocking = ", \"options\": {\"blockingSync\": \"true\"}";
        run("m", "tensorrt", "FP16", 1, false, 100, 200, 1, null, "");
        run("m", "tensorrt", "FP16", 1, true, 50, 60, 1, null, "");
        run("m", "tensorrt", "FP16", 1, false, 300, 600, 1, null, blocking);
        run("m", "tensorrt", "FP16", 1, true, 150, 180, 1, null, blocking);

        String graphs = section(StudyFindings.markdown(runs), "graphs");

        assertThat(graphs).contains("| m | 1 | - | FP16 | 100.0 | 50.0 | 2.00× | 2.00 | 1.20 |",
                "| m [blockingSync=true] | 1 | - | FP16 | 300.0 | 150.0 | 2.00× | 2.00 | 1.20 |");
    }

    @Test
    void aModelMeasuredOnEnginesOfOneRangeKeepsItsPlainName() {
        String ranges = ", \"profile_ranges\": {\"x\": {\"min\": [1, 4], \"opt\": [8, 4], \"max\": [8, 4]}}";
        run("m", "ort-tensorrt", "FP16", 1, false, 100, 200, 1, null, ranges);
        run("m", "tensorrt", "FP16", 1, false, 100, 200, 1, null, ranges);

        assertThat(StudyFindings.markdown(runs)).contains("| m | 1 | - | FP16 | 100.0 | 100.0 | 1.00 | yes |");
    }

    @Test
    void threadsFixedRatesAndStaticProfilesAreLeftToTheirOwnChartsAndAHalfComparisonIsCounted() {
        run("m", "ort-tensorrt", "FP16", 1, false, 100);
        run("m", "tensorrt", "FP16", 1, false, 50, 100, 1, null, ", \"threads\": 4");
        run("m", "tensorrt", "FP16", 1, false, 50, 100, 1, null, ", \"profile\": \"static\"");
        run("m", "tensorrt", "FP16", 1, false, 50, 100, 1, null,
                ", \"load\": {\"mode\": \"fixed-rate\", \"offered_rate_per_s\": 500}");

        String convergence = section(StudyFindings.markdown(runs), "converge");

        assertThat(convergence).doesNotContain("| m | 1 | - | FP16 | 100.0 | 50.0").contains("1 comparison(s) left out");
    }

    @Test
    void aConfigurationMeasuredOnOneSideOnlyIsCountedNotShown() {
        run("m", "ort-cuda", "FP32", 1, false, 1000);
        run("n", "ort-cuda", "FP32", 1, false, 1000);
        run("n", "tensorrt", "FP16", 1, false, 100);

        String adds = section(StudyFindings.markdown(runs), "adds");

        assertThat(adds).contains("| n | 1 | - | 1000.0 | - | - | tensorrt 100.0 | 10.00 |", "1 comparison(s) left out")
                .doesNotContain("| m | 1 |");
    }

    /** The section whose heading contains {@code word}. */
    private static String section(String md, String word) {
        for (String s : md.split("### ")) {
            if (s.lines().findFirst().orElse("").contains(word)) {
                return s;
            }
        }
        throw new AssertionError("no section on '" + word + "' in\n" + md);
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() { // the median the findings pool repeated runs with
        assertThat(SamplingOverhead.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(SamplingOverhead.median(List.of(7.0))).isEqualTo(7.0);
    }
}
