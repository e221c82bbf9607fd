package org.infer4j.tensorrt.internal.build;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.infer4j.InvalidInputException;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.TensorInfo;

/**
 * The optimisation profile of an engine: a shape range for every input, from the user's ranges
 * where given, shared by dimension name across inputs, and from documented defaults elsewhere
 * (see the {@code org.infer4j.tensorrt} package documentation). Immutable.
 *
 * @param ranges every input's range, in model order
 * @param defaulted one line per dimension that took a default, for the log; empty if none did
 */
public record ProfilePlan(Map<String, ShapeRange> ranges, List<String> defaulted) {
    static final long BATCH_MIN = 1;
    static final long BATCH_OPTIMAL = 1;
    static final long BATCH_MAX = 32;
    static final long SEQUENCE_MIN = 1;
    static final long SEQUENCE_OPTIMAL = 128;
    static final long SEQUENCE_MAX = 512;
    /** The largest dimension TensorRT 10's optimisation profiles accept: they check it as a 32-bit int. */
    static final long LARGEST_DIMENSION = Integer.MAX_VALUE;

    public ProfilePlan {
        ranges = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ranges));
        defaulted = List.copyOf(defaulted);
    }

    /**
     * The profile for a model's inputs: the user's ranges, and defaults for what they leave open.
     *
     * @param inputs the model's inputs
     * @param userRanges the builder's ranges, already checked to fit the inputs
     * @return the profile, with a line per defaulted dimension
     * @throws InvalidInputException if two user ranges disagree about a shared dimension name, or a
     *     range has a dimension larger than TensorRT's profiles take ({@value #LARGEST_DIMENSION})
     */
    public static ProfilePlan derive(List<TensorInfo> inputs, Map<String, ShapeRange> userRanges) {
        userRanges.forEach((name, r) -> {
            for (int i = 0; i < r.max().rank(); i++) {
                if (r.max().dim(i) > LARGEST_DIMENSION) {
                    throw new InvalidInputException("the shape range of '" + name + "' has max " + r.max()
                            + ": TensorRT's optimisation profiles take dimensions up to " + LARGEST_DIMENSION
                            + " (2^31 - 1); give a smaller max");
                }
            }
        });
        Map<String, long[]> byDimensionName = new LinkedHashMap<>();
        Map<String, String> nameSource = new LinkedHashMap<>();
        for (TensorInfo input : inputs) {
            ShapeRange r = userRanges.get(input.name());
            if (r == null || input.dimensionNames().isEmpty()) {
                continue;
            }
            for (int i = 0; i < input.shape().rank(); i++) {
                String dimName = input.dimensionNames().get(i);
                if (dimName.isEmpty()) {
                    continue;
                }
                long[] mom = {r.min().dim(i), r.optimal().dim(i), r.max().dim(i)};
                long[] earlier = byDimensionName.putIfAbsent(dimName, mom);
                if (earlier != null && !java.util.Arrays.equals(earlier, mom)) {
                    throw new InvalidInputException("the shape ranges of '" + nameSource.get(dimName) + "' and '" + input.name()
                            + "' disagree on dimension '" + dimName + "' (" + rangeText(earlier) + " against "
                            + rangeText(mom) + "); inputs sharing a dimension name must share its range");
                }
                nameSource.putIfAbsent(dimName, input.name());
            }
        }

        Map<String, ShapeRange> ranges = new LinkedHashMap<>();
        List<String> defaulted = new ArrayList<>();
        for (TensorInfo input : inputs) {
            ShapeRange given = userRanges.get(input.name());
            if (given != null) {
                ranges.put(input.name(), given);
                continue;
            }
            int rank = input.shape().rank();
            long[] min = new long[rank];
            long[] opt = new long[rank];
            long[] max = new long[rank];
            for (int i = 0; i < rank; i++) {
                long fixed = input.shape().dim(i);
                String dimName = input.dimensionNames().isEmpty() ? "" : input.dimensionNames().get(i);
                long[] mom;
                if (fixed != Shape.UNKNOWN) {
                    mom = new long[] {fixed, fixed, fixed};
                } else if (byDimensionName.containsKey(dimName)) {
                    mom = byDimensionName.get(dimName);
                } else {
                    boolean batchLike = i == 0 || dimName.toLowerCase(Locale.ROOT).contains("batch");
                    mom = batchLike ? new long[] {BATCH_MIN, BATCH_OPTIMAL, BATCH_MAX}
                            : new long[] {SEQUENCE_MIN, SEQUENCE_OPTIMAL, SEQUENCE_MAX};
                    defaulted.add("'" + input.name() + "' dimension " + i + (dimName.isEmpty() ? "" : " (" + dimName + ")")
                            + ": " + (batchLike ? "batch-like" : "sequence-like") + " default " + rangeText(mom));
                }
                min[i] = mom[0];
                opt[i] = mom[1];
                max[i] = mom[2];
            }
            ranges.put(input.name(), ShapeRange.of(min, opt, max));
        }
        return new ProfilePlan(ranges, defaulted);
    }

    /**
     * The range of one input.
     *
     * @param name an input's name
     * @return its range
     * @throws IllegalArgumentException if the model has no input {@code name}
     */
    public ShapeRange range(String name) {
        ShapeRange r = ranges.get(name);
        if (r == null) {
            throw new IllegalArgumentException("no profile for '" + name + "'; inputs are " + ranges.keySet());
        }
        return r;
    }

    /**
     * A stable text of every range, for the engine-cache key.
     *
     * @return the same text for equal profiles, and different texts for different ones
     */
    public String canonical() {
        StringBuilder sb = new StringBuilder();
        ranges.forEach((name, r) -> sb.append(name.length()).append(':').append(name).append('=')
                .append(r.min()).append(r.optimal()).append(r.max()).append(';'));
        return sb.toString();
    }

    private static String rangeText(long[] mom) {
        return mom[0] + " / " + mom[1] + " / " + mom[2];
    }
}
