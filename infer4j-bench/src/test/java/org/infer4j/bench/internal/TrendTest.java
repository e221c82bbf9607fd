package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrendTest {

    private static List<Trend.Point> line(double slope, double intercept, double... times) {
        return Arrays.stream(times).mapToObj(t -> new Trend.Point(t, intercept + slope * t)).toList();
    }

    @Test
    void aSegmentOnAStraightLineHasItsSlope() {
        assertThat(Trend.pooledSlope(List.of(line(3, 10, 0, 1, 2, 5)))).isCloseTo(3, within(1e-12));
    }

    @Test
    void segmentsThatStartAfreshShareOneSlopeWithoutTheJumpsBetweenThem() {
        // two processes: each grows by 2 per minute from its own level; one line through all the points would say -0.4
        List<Trend.Point> first = line(2, 1000, 0, 1, 2, 3, 4);
        List<Trend.Point> second = line(2, 100, 5, 6, 7, 8, 9);

        assertThat(Trend.pooledSlope(List.of(first, second))).isCloseTo(2, within(1e-12));
    }

    @Test
    void aFlatSeriesHasSlopeZero() {
        assertThat(Trend.pooledSlope(List.of(line(0, 42, 0, 1, 2), line(0, 7, 3, 4)))).isZero();
    }

    @Test
    void withoutTwoPointsAtDifferentTimesThereIsNoSlope() {
        assertThat(Trend.pooledSlope(List.of())).isNull();
        assertThat(Trend.pooledSlope(List.of(line(1, 0, 3), line(1, 0, 4)))).isNull();
        assertThat(Trend.pooledSlope(List.of(List.of(new Trend.Point(1, 5), new Trend.Point(1, 9))))).isNull();
    }

    @Test
    void growthComparesTheMeansOfTheFirstAndLastWindows() {
        // 0..10 minutes, value = t: first window [0, 2] has mean 1, last [8, 10] mean 9
        List<Trend.Point> points = line(1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

        assertThat(Trend.growth(points, 2)).isCloseTo(8, within(1e-12));
    }

    @Test
    void aSegmentShorterThanTwoWindowsIsSplitInHalves() {
        List<Trend.Point> points = line(1, 0, 0, 1, 2, 3, 4);

        assertThat(Trend.growth(points, 60)).isCloseTo(2, within(1e-12)); // mean of 2..4 (3) minus mean of 0..2 (1)
    }

    @Test
    void growthNeedsTwoPointsAtDifferentTimes() {
        assertThat(Trend.growth(List.of(), 1)).isNull();
        assertThat(Trend.growth(line(1, 0, 5), 1)).isNull();
        assertThat(Trend.growth(List.of(new Trend.Point(2, 1), new Trend.Point(2, 3)), 1)).isNull();
    }
}
