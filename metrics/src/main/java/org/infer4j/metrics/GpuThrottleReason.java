package org.infer4j.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Why a GPU's clocks are below their maximum, as NVML reports it in the bits of
 * {@link GpuMetric#THROTTLE_REASONS} ({@code nvmlClocksEventReason*}). A busy GPU that shows
 * {@link #SW_POWER_CAP} or a thermal reason is not running as fast as it can.
 */
public enum GpuThrottleReason {
    GPU_IDLE(0x1),
    APPLICATIONS_CLOCKS_SETTING(0x2),
    SW_POWER_CAP(0x4),
    HW_SLOWDOWN(0x8),
    SYNC_BOOST(0x10),
    SW_THERMAL_SLOWDOWN(0x20),
    HW_THERMAL_SLOWDOWN(0x40),
    HW_POWER_BRAKE_SLOWDOWN(0x80),
    DISPLAY_CLOCK_SETTING(0x100);

    private final long bit;

    GpuThrottleReason(long bit) {
        this.bit = bit;
    }

    /** The bit of NVML's mask. */
    public long bit() {
        return bit;
    }

    /** The reasons set in {@code mask}; bits NVML may add later are left out. */
    public static List<GpuThrottleReason> decode(long mask) {
        List<GpuThrottleReason> reasons = new ArrayList<>();
        for (GpuThrottleReason reason : values()) {
            if ((mask & reason.bit) != 0) {
                reasons.add(reason);
            }
        }
        return reasons;
    }

    /**
     * For each reason seen in {@code masks} (samples of {@link GpuMetric#THROTTLE_REASONS}, NaN
     * where the GPU reported none), the fraction of the reporting samples that had it.
     */
    public static Map<GpuThrottleReason, Double> shares(double[] masks) {
        Map<GpuThrottleReason, Integer> counts = new EnumMap<>(GpuThrottleReason.class);
        int reported = 0;
        for (double mask : masks) {
            if (Double.isNaN(mask)) {
                continue;
            }
            reported++;
            for (GpuThrottleReason reason : decode((long) mask)) {
                counts.merge(reason, 1, Integer::sum);
            }
        }
        Map<GpuThrottleReason, Double> shares = new EnumMap<>(GpuThrottleReason.class);
        for (Map.Entry<GpuThrottleReason, Integer> count : counts.entrySet()) {
            shares.put(count.getKey(), count.getValue() / (double) reported);
        }
        return Collections.unmodifiableMap(shares);
    }
}
