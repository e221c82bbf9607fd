package org.infer4j;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Whether a backend can run here and, if not, why and what to do about it. Immutable.
 *
 * <p>Example: {@code unavailable("libnvinfer.so.10 not found on the library path",
 * "install TensorRT 10.x or add org.bytedeco:tensorrt:10.6-1.5.11:linux-x86_64-redist")}.
 */
public final class Availability {
    private final boolean available;
    private final String detail;
    private final String remedy;
    private final @Nullable Throwable cause;

    private Availability(boolean available, String detail, String remedy, @Nullable Throwable cause) {
        this.available = available;
        this.detail = Objects.requireNonNull(detail, "detail");
        this.remedy = Objects.requireNonNull(remedy, "remedy");
        this.cause = cause;
    }

    /** Available; {@code detail} says on what, e.g. {@code "NVIDIA H100 80GB HBM3, driver 580.65"}. */
    public static Availability available(String detail) {
        return new Availability(true, detail, "", null);
    }

    /** Unavailable for {@code reason}; {@code remedy} tells the user what to install or change. */
    public static Availability unavailable(String reason, String remedy) {
        return new Availability(false, reason, remedy, null);
    }

    /** Unavailable, keeping the native error that revealed it for the log. */
    public static Availability unavailable(String reason, String remedy, @Nullable Throwable cause) {
        return new Availability(false, reason, remedy, cause);
    }

    public boolean isAvailable() {
        return available;
    }

    /** What it runs on when available; the reason when not. */
    public String detail() {
        return detail;
    }

    /** What to do to make it available; empty when available. */
    public String remedy() {
        return remedy;
    }

    /** The error that showed it unavailable, if any. */
    public @Nullable Throwable cause() {
        return cause;
    }

    @Override
    public String toString() {
        return available ? "available: " + detail : "unavailable: " + detail + (remedy.isEmpty() ? "" : " — " + remedy);
    }
}
