package org.infer4j.bench.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infer4j.metrics.GpuSampler;
import org.jspecify.annotations.Nullable;

/**
 * How often the benchmark samples the GPU during a timed window: a period of at least
 * {@link GpuSampler#MIN_PERIOD}, or {@link #OFF} (no sampling thread at all). Immutable.
 *
 * @param duration the period, or null for off
 */
public record SamplePeriod(@Nullable Duration duration) {
    public static final SamplePeriod OFF = new SamplePeriod(null);
    private static final Pattern PERIOD = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s)");

    public SamplePeriod {
        if (duration != null && duration.compareTo(GpuSampler.MIN_PERIOD) < 0) {
            throw new IllegalArgumentException("a GPU sample period must be at least " + GpuSampler.MIN_PERIOD.toMillis()
                    + "ms (or 'off'), not " + duration.toMillis() + "ms");
        }
    }

    public static SamplePeriod of(Duration duration) {
        return new SamplePeriod(duration);
    }

    /**
     * {@code off}, or a period with its unit: {@code 10ms}, {@code 100ms}, {@code 1s}.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static SamplePeriod parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.equals("off") || value.equals("none")) {
            return OFF;
        }
        Matcher m = PERIOD.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a GPU sample period; write e.g. 100ms, 10ms, 1s or off");
        }
        double amount = Double.parseDouble(m.group(1));
        return new SamplePeriod(Duration.ofNanos((long) (amount * (m.group(2).equals("ms") ? 1e6 : 1e9))));
    }

    public boolean isOff() {
        return duration == null;
    }

    /** {@code off}, {@code 10ms}, {@code 1s}, {@code 12.5ms}: what {@link #parse} reads back. */
    public String label() {
        if (duration == null) {
            return "off";
        }
        long nanos = duration.toNanos();
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        return String.format(Locale.ROOT, "%.3fms", nanos / 1e6).replaceFirst("0+ms$", "ms");
    }

    @Override
    public String toString() {
        return label();
    }
}
