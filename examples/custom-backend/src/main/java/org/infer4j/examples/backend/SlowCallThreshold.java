package org.infer4j.examples.backend;

import java.time.Duration;
import java.util.Objects;
import org.infer4j.BackendSettings;

/**
 * How long a call of {@code logged-ort-cpu} may take before it is logged at WARN; pass it with
 * {@code EngineBuilder.settings(new SlowCallThreshold(Duration.ofMillis(20)))}. Other backends ignore it.
 *
 * @param duration the threshold, zero or more: zero logs every call
 */
public record SlowCallThreshold(Duration duration) implements BackendSettings {
    /** The threshold without settings. */
    public static final Duration DEFAULT = Duration.ofMillis(100);

    public SlowCallThreshold {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a slow-call threshold must be zero or more, not " + duration);
        }
    }
}
