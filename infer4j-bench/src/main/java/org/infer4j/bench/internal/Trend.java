package org.infer4j.bench.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Growth of a sampled series over time. Stateless.
 *
 * <p>The soak runs in chunks, each a process of its own whose memory starts afresh, so a series is
 * a set of segments, one per chunk. {@link #pooledSlope} fits one straight line to each segment with
 * a common slope and an intercept of each segment's own (least squares with a per-segment offset):
 * the rate at which a process grows, using every segment's samples, unaffected by the jumps between
 * processes.
 */
public final class Trend {

    /**
     * A sample.
     *
     * @param t when, in any unit (the slope is per that unit)
     * @param value the value
     */
    public record Point(double t, double value) {
    }

    private Trend() {
    }

    /**
     * The least-squares slope common to every segment, each with its own intercept.
     *
     * @param segments the segments' points
     * @return value per unit of t, or null when no segment has two points at different times
     */
    public static @Nullable Double pooledSlope(List<List<Point>> segments) {
        double sxy = 0;
        double sxx = 0;
        for (List<Point> segment : segments) {
            if (segment.size() < 2) {
                continue;
            }
            double meanT = 0;
            double meanValue = 0;
            for (Point p : segment) {
                meanT += p.t();
                meanValue += p.value();
            }
            meanT /= segment.size();
            meanValue /= segment.size();
            for (Point p : segment) {
                sxy += (p.t() - meanT) * (p.value() - meanValue);
                sxx += (p.t() - meanT) * (p.t() - meanT);
            }
        }
        return sxx > 0 ? sxy / sxx : null;
    }

    /**
     * How much a segment grew from its first window to its last: the mean of the points in the
     * last {@code window} minus the mean of those in the first. Where the segment spans less than
     * two windows, each window is half of it.
     *
     * @param segment points in time order
     * @param window the length of a window, in the unit of t, {@code > 0}
     * @return the growth, or null with fewer than two points at different times
     */
    public static @Nullable Double growth(List<Point> segment, double window) {
        if (segment.size() < 2) {
            return null;
        }
        double from = segment.get(0).t();
        double to = segment.get(segment.size() - 1).t();
        if (!(to > from)) {
            return null;
        }
        double w = Math.min(window, (to - from) / 2);
        return mean(segment, to - w, to) - mean(segment, from, from + w);
    }

    private static double mean(List<Point> points, double from, double to) {
        double sum = 0;
        int n = 0;
        for (Point p : points) {
            if (p.t() >= from && p.t() <= to) {
                sum += p.value();
                n++;
            }
        }
        return sum / n; // n >= 1: each window holds its end point
    }
}
