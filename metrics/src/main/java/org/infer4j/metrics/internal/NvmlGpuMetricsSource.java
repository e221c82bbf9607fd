package org.infer4j.metrics.internal;

import static org.bytedeco.cuda.global.nvml.NVML_CLOCK_MEM;
import static org.bytedeco.cuda.global.nvml.NVML_CLOCK_SM;
import static org.bytedeco.cuda.global.nvml.NVML_DEVICE_NAME_V2_BUFFER_SIZE;
import static org.bytedeco.cuda.global.nvml.NVML_GPU_UTILIZATION_SAMPLES;
import static org.bytedeco.cuda.global.nvml.NVML_MEMORY_UTILIZATION_SAMPLES;
import static org.bytedeco.cuda.global.nvml.NVML_SUCCESS;
import static org.bytedeco.cuda.global.nvml.NVML_TEMPERATURE_GPU;
import static org.bytedeco.cuda.global.nvml.NVML_VALUE_TYPE_DOUBLE;
import static org.bytedeco.cuda.global.nvml.NVML_VALUE_TYPE_SIGNED_INT;
import static org.bytedeco.cuda.global.nvml.NVML_VALUE_TYPE_SIGNED_LONG_LONG;
import static org.bytedeco.cuda.global.nvml.NVML_VALUE_TYPE_UNSIGNED_INT;
import static org.bytedeco.cuda.global.nvml.NVML_VALUE_TYPE_UNSIGNED_SHORT;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetClockInfo;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetCount_v2;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetCurrentClocksEventReasons;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetHandleByIndex_v2;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetMemoryInfo;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetName;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetPowerUsage;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetSamples;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetTemperature;
import static org.bytedeco.cuda.global.nvml.nvmlDeviceGetUtilizationRates;
import static org.bytedeco.cuda.global.nvml.nvmlErrorString;
import static org.bytedeco.cuda.global.nvml.nvmlInit_v2;
import static org.bytedeco.cuda.global.nvml.nvmlShutdown;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.nvml.nvmlDevice_st;
import org.bytedeco.cuda.nvml.nvmlMemory_t;
import org.bytedeco.cuda.nvml.nvmlSample_t;
import org.bytedeco.cuda.nvml.nvmlUtilization_t;
import org.bytedeco.cuda.nvml.nvmlValue_t;
import org.infer4j.metrics.GpuDevice;
import org.infer4j.metrics.GpuMetric;
import org.infer4j.metrics.GpuMetricsSource;
import org.infer4j.metrics.GpuReading;
import org.jspecify.annotations.Nullable;

/**
 * GPU metrics from NVML (the driver's {@code libnvidia-ml.so.1}) through JavaCPP.
 *
 * <p>Utilisation: {@code nvmlDeviceGetUtilizationRates} averages over the driver's own period (up to a
 * second), so a short run read once can show 0 %. This source reads NVML's utilisation sample buffer
 * instead ({@code nvmlDeviceGetSamples}) and reports the mean of the samples the driver took since the
 * previous read; when the driver took none since (it samples every ~1/6 s on most GPUs), the latest
 * one. It falls back to the averaged rates on GPUs without sample buffers.
 *
 * <p>Only {@link #open} touches NVML's classes, so loading this class never fails; call {@code open}
 * inside a {@code catch (LinkageError)} for machines without JavaCPP's CUDA preset or NVML.
 *
 * <p>Ownership: the source holds one NVML initialisation (released by {@code nvmlShutdown} in
 * {@link #close}) and a few native structs, freed in {@link #close} and on every failed {@code open}.
 *
 * <p>Thread-safety: not thread-safe; the sampler confines it to the sampling thread.
 */
public final class NvmlGpuMetricsSource implements GpuMetricsSource {
    private static final int[] UTILIZATION_SAMPLE_TYPES = {NVML_GPU_UTILIZATION_SAMPLES, NVML_MEMORY_UTILIZATION_SAMPLES};
    private static final GpuMetric[] UTILIZATION_METRICS = {GpuMetric.GPU_UTILIZATION, GpuMetric.MEMORY_CONTROLLER_UTILIZATION};

    private final List<GpuDevice> devices;
    private final nvmlDevice_st[] handles;
    private final nvmlMemory_t memory;
    private final nvmlUtilization_t utilization;
    /** Per device, per utilisation type: the sample buffer, or null where the GPU has none. */
    private final @Nullable nvmlSample_t[][] sampleBuffers;
    private final long[][] lastSampleTimestamps;
    private final double[][] lastSampleValues;
    private final int[] intOut = new int[1];
    private final int[] valueTypeOut = new int[1];
    private final long[] longOut = new long[1];
    private boolean closed;

    private NvmlGpuMetricsSource(List<GpuDevice> devices, nvmlDevice_st[] handles, nvmlMemory_t memory,
                                 nvmlUtilization_t utilization, @Nullable nvmlSample_t[][] sampleBuffers) {
        this.devices = devices;
        this.handles = handles;
        this.memory = memory;
        this.utilization = utilization;
        this.sampleBuffers = sampleBuffers;
        this.lastSampleTimestamps = new long[handles.length][UTILIZATION_SAMPLE_TYPES.length];
        this.lastSampleValues = new double[handles.length][UTILIZATION_SAMPLE_TYPES.length];
        for (int d = 0; d < handles.length; d++) {
            for (int type = 0; type < UTILIZATION_SAMPLE_TYPES.length; type++) {
                lastSampleValues[d][type] = Double.NaN;
                if (sampleBuffers[d][type] != null) {
                    // what the driver buffered before the sampler started is not the run's: skip it,
                    // keeping only its latest value until the driver takes a new sample
                    readNewSamples(d, type, true);
                }
            }
        }
    }

    /**
     * Initialises NVML and opens {@code deviceIndices} (every GPU if empty).
     *
     * @throws IllegalStateException with NVML's reason if NVML cannot initialise or a device is missing
     * @throws LinkageError if JavaCPP's CUDA preset or {@code libnvidia-ml.so.1} cannot be loaded
     */
    public static NvmlGpuMetricsSource open(int... deviceIndices) {
        check(nvmlInit_v2(), "nvmlInit_v2", "check that the NVIDIA driver is installed and loaded (nvidia-smi)");
        List<nvmlSample_t> allocated = new ArrayList<>();
        @Nullable nvmlMemory_t memory = null;
        @Nullable nvmlUtilization_t utilization = null;
        try {
            int[] count = new int[1];
            check(nvmlDeviceGetCount_v2(count), "nvmlDeviceGetCount_v2", "check nvidia-smi");
            int[] indices = deviceIndices.length > 0 ? deviceIndices.clone() : range(count[0]);
            if (indices.length == 0) {
                throw new IllegalStateException("NVML sees no GPU; check nvidia-smi and the container's GPU access");
            }
            List<GpuDevice> devices = new ArrayList<>();
            nvmlDevice_st[] handles = new nvmlDevice_st[indices.length];
            @Nullable nvmlSample_t[][] buffers = noSampleBuffers(indices.length);
            for (int d = 0; d < indices.length; d++) {
                if (indices[d] < 0 || indices[d] >= count[0]) {
                    throw new IllegalStateException("no GPU " + indices[d] + ": NVML sees " + count[0]
                            + " (indices 0.." + (count[0] - 1) + ")");
                }
                handles[d] = new nvmlDevice_st();
                check(nvmlDeviceGetHandleByIndex_v2(indices[d], handles[d]), "nvmlDeviceGetHandleByIndex_v2",
                        "check nvidia-smi -i " + indices[d]);
                devices.add(new GpuDevice(indices[d], name(handles[d])));
                for (int type = 0; type < UTILIZATION_SAMPLE_TYPES.length; type++) {
                    @Nullable nvmlSample_t buffer = sampleBuffer(handles[d], UTILIZATION_SAMPLE_TYPES[type]);
                    if (buffer != null) {
                        allocated.add(buffer);
                        buffers[d][type] = buffer;
                    }
                }
            }
            memory = new nvmlMemory_t();
            utilization = new nvmlUtilization_t();
            return new NvmlGpuMetricsSource(List.copyOf(devices), handles, memory, utilization, buffers);
        } catch (RuntimeException | Error e) {
            allocated.forEach(nvmlSample_t::close);
            if (memory != null) {
                memory.close();
            }
            if (utilization != null) {
                utilization.close();
            }
            nvmlShutdown();
            throw e;
        }
    }

    @Override
    public List<GpuDevice> devices() {
        return devices;
    }

    @Override
    public void read(int deviceIndex, GpuReading reading) {
        if (closed) {
            throw new IllegalStateException("NVML source is closed");
        }
        int d = position(deviceIndex);
        nvmlDevice_st handle = handles[d];
        readUtilization(d, reading);
        if (nvmlDeviceGetMemoryInfo(handle, memory) == NVML_SUCCESS) {
            reading.set(GpuMetric.MEMORY_USED, memory.used());
            reading.set(GpuMetric.MEMORY_TOTAL, memory.total());
        }
        if (nvmlDeviceGetPowerUsage(handle, intOut) == NVML_SUCCESS) {
            reading.set(GpuMetric.POWER, Integer.toUnsignedLong(intOut[0]) / 1000.0);
        }
        if (nvmlDeviceGetTemperature(handle, NVML_TEMPERATURE_GPU, intOut) == NVML_SUCCESS) {
            reading.set(GpuMetric.TEMPERATURE, intOut[0]);
        }
        if (nvmlDeviceGetClockInfo(handle, NVML_CLOCK_SM, intOut) == NVML_SUCCESS) {
            reading.set(GpuMetric.SM_CLOCK, Integer.toUnsignedLong(intOut[0]));
        }
        if (nvmlDeviceGetClockInfo(handle, NVML_CLOCK_MEM, intOut) == NVML_SUCCESS) {
            reading.set(GpuMetric.MEMORY_CLOCK, Integer.toUnsignedLong(intOut[0]));
        }
        if (nvmlDeviceGetCurrentClocksEventReasons(handle, longOut) == NVML_SUCCESS) {
            reading.set(GpuMetric.THROTTLE_REASONS, longOut[0]);
        }
    }

    private void readUtilization(int d, GpuReading reading) {
        boolean needRates = false;
        for (int type = 0; type < UTILIZATION_SAMPLE_TYPES.length; type++) {
            if (sampleBuffers[d][type] == null) {
                needRates = true;
            } else {
                readNewSamples(d, type, false);
                reading.set(UTILIZATION_METRICS[type], lastSampleValues[d][type]);
            }
        }
        if (needRates && nvmlDeviceGetUtilizationRates(handles[d], utilization) == NVML_SUCCESS) {
            if (sampleBuffers[d][0] == null) {
                reading.set(GpuMetric.GPU_UTILIZATION, Integer.toUnsignedLong(utilization.gpu()));
            }
            if (sampleBuffers[d][1] == null) {
                reading.set(GpuMetric.MEMORY_CONTROLLER_UTILIZATION, Integer.toUnsignedLong(utilization.memory()));
            }
        }
    }

    /**
     * Sets {@code lastSampleValues} to the mean of the samples NVML took since the last call (or, with
     * {@code newestOnly}, to the newest of them); leaves it as it was when there is none.
     */
    private void readNewSamples(int d, int type, boolean newestOnly) {
        nvmlSample_t buffer = sampleBuffers[d][type];
        if (buffer == null) {
            return;
        }
        intOut[0] = (int) buffer.capacity();
        int rc = nvmlDeviceGetSamples(handles[d], UTILIZATION_SAMPLE_TYPES[type], lastSampleTimestamps[d][type],
                valueTypeOut, intOut, buffer.position(0));
        if (rc != NVML_SUCCESS) {
            return; // NVML_ERROR_NOT_FOUND: no new sample since the last call; keep the latest value
        }
        double sum = 0;
        int fresh = 0;
        long newest = lastSampleTimestamps[d][type];
        double newestValue = Double.NaN;
        for (int i = 0; i < intOut[0]; i++) {
            buffer.position(i);
            long timestamp = buffer.timeStamp();
            if (timestamp > lastSampleTimestamps[d][type]) {
                double value = value(buffer.sampleValue(), valueTypeOut[0]);
                sum += value;
                fresh++;
                if (timestamp >= newest) {
                    newest = timestamp;
                    newestValue = value;
                }
            }
        }
        buffer.position(0);
        if (fresh > 0) {
            lastSampleValues[d][type] = newestOnly ? newestValue : sum / fresh;
            lastSampleTimestamps[d][type] = newest;
        }
    }

    private static double value(nvmlValue_t value, int type) {
        return switch (type) {
            case NVML_VALUE_TYPE_DOUBLE -> value.dVal();
            case NVML_VALUE_TYPE_UNSIGNED_INT -> Integer.toUnsignedLong(value.uiVal());
            case NVML_VALUE_TYPE_SIGNED_INT -> value.siVal();
            case NVML_VALUE_TYPE_SIGNED_LONG_LONG -> value.sllVal();
            case NVML_VALUE_TYPE_UNSIGNED_SHORT -> Short.toUnsignedInt(value.usVal());
            default -> value.ullVal();
        };
    }

    private int position(int deviceIndex) {
        for (int d = 0; d < devices.size(); d++) {
            if (devices.get(d).index() == deviceIndex) {
                return d;
            }
        }
        throw new IllegalArgumentException("GPU " + deviceIndex + " is not one this source opened: " + devices);
    }

    /** Idempotent; frees the native structs and releases NVML. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (@Nullable nvmlSample_t[] perDevice : sampleBuffers) {
            for (@Nullable nvmlSample_t buffer : perDevice) {
                if (buffer != null) {
                    buffer.close();
                }
            }
        }
        memory.close();
        utilization.close();
        nvmlShutdown();
    }

    private static @Nullable nvmlSample_t sampleBuffer(nvmlDevice_st handle, int type) {
        int[] size = new int[1];
        int[] valueType = new int[1];
        // with no buffer, NVML says how many samples it keeps
        if (nvmlDeviceGetSamples(handle, type, 0, valueType, size, null) != NVML_SUCCESS || size[0] <= 0) {
            return null;
        }
        return new nvmlSample_t(size[0]);
    }

    private static String name(nvmlDevice_st handle) {
        byte[] buffer = new byte[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
        if (nvmlDeviceGetName(handle, buffer, buffer.length) != NVML_SUCCESS) {
            return "unknown GPU";
        }
        int length = 0;
        while (length < buffer.length && buffer[length] != 0) {
            length++;
        }
        return new String(buffer, 0, length, StandardCharsets.UTF_8);
    }

    /** Per device and utilisation sample type, the sample buffer: none yet. */
    // NullAway 0.13 and 0.14 (up to 0.14.1) type a two-dimensional array creation annotated @Nullable with one
    // dimension too few, and report it as incompatible with this very return type; the array is what is declared
    @SuppressWarnings("NullAway")
    private static @Nullable nvmlSample_t[][] noSampleBuffers(int devices) {
        return new @Nullable nvmlSample_t[devices][UTILIZATION_SAMPLE_TYPES.length];
    }

    private static int[] range(int count) {
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = i;
        }
        return indices;
    }

    private static void check(int rc, String call, String remedy) {
        if (rc != NVML_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + nvmlErrorString(rc).getString()
                    + " (NVML error " + rc + "); " + remedy);
        }
    }
}
