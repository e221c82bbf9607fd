package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The INT8 calibration as the API takes it: what identifies the data (and so the cached calibration
 * table), what is refused, and how it reaches a backend. Calibration itself runs on a GPU
 * ({@code Int8CalibrationGpuTest} in backend-tensorrt).
 */
class Int8CalibrationTest {
    private final List<Tensor> tensors = new ArrayList<>();

    @AfterEach
    void close() {
        tensors.forEach(Tensor::close);
    }

    private Map<String, Tensor> batch(float... values) {
        Tensor t = Tensor.of(values, 1, values.length);
        tensors.add(t);
        return Map.of("x", t);
    }

    @Test
    void theIdentityIsADigestOfTheDataThatAnyChangeOfNameTypeShapeOrValueChanges() {
        String base = Int8Calibration.builder(List.of(batch(1, 2, 3, 4))).build().identity();
        Tensor reshaped = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor asInts = Tensor.of(new int[] {1, 2, 3, 4}, 1, 4);
        tensors.add(reshaped);
        tensors.add(asInts);

        assertThat(base).startsWith("sha256:").hasSize("sha256:".length() + 64);
        assertThat(Int8Calibration.builder(List.of(batch(1, 2, 3, 4))).build().identity()).isEqualTo(base);
        assertThat(List.of(
                Int8Calibration.builder(List.of(batch(1, 2, 3, 5))).build().identity(),
                Int8Calibration.builder(List.of(Map.of("y", tensors.get(0)))).build().identity(),
                Int8Calibration.builder(List.of(Map.of("x", reshaped))).build().identity(),
                Int8Calibration.builder(List.of(Map.of("x", asInts))).build().identity(),
                Int8Calibration.builder(List.of(batch(1, 2, 3, 4), batch(1, 2, 3, 4))).build().identity()))
                .doesNotContain(base).doesNotHaveDuplicates();
    }

    @Test
    void aGivenIdentityIsTrustedWithoutReadingABatch() {
        Iterable<Map<String, Tensor>> unreadable = () -> {
            throw new AssertionError("the batches must not be read when an identity is given");
        };

        Int8Calibration calibration = Int8Calibration.builder(unreadable).identity("imagenet-val-512-v1").build();

        assertThat(calibration.identity()).isEqualTo("imagenet-val-512-v1");
        assertThat(calibration.tableName("ab12")).matches("int8-[0-9a-f]{64}\\.calibration");
    }

    @Test
    void theTableNameDependsOnTheModelAndTheDataButNotOnTheLayersKeptInFp32() {
        Int8Calibration plain = Int8Calibration.builder(List.of(batch(1, 2))).identity("data-1").build();
        Int8Calibration keeping = Int8Calibration.builder(List.of(batch(1, 2))).identity("data-1").keepFp32("/fc/Gemm").build();
        Int8Calibration otherData = Int8Calibration.builder(List.of(batch(1, 2))).identity("data-2").build();

        assertThat(keeping.tableName("model-a")).isEqualTo(plain.tableName("model-a"));
        assertThat(List.of(plain.tableName("model-b"), otherData.tableName("model-a")))
                .doesNotContain(plain.tableName("model-a")).doesNotHaveDuplicates();
        assertThat(keeping.fp32Layers()).containsExactly("/fc/Gemm");
    }

    @Test
    void noBatchesAnEmptyBatchOrADeviceTensorIsRefusedNamingTheProblem() {
        Int8Calibration none = Int8Calibration.builder(List.<Map<String, Tensor>>of()).build();
        Int8Calibration empty = Int8Calibration.builder(List.of(batch(1), Map.<String, Tensor>of())).build();
        Tensor onDevice = new DeviceLikeTensor();
        Int8Calibration device = Int8Calibration.builder(List.of(Map.of("x", onDevice))).build();

        assertThatThrownBy(none::identity).isInstanceOf(InvalidInputException.class).hasMessageContaining("no batches");
        assertThatThrownBy(empty::identity).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("batch 1 has no tensors");
        assertThatThrownBy(device::identity).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("input 'x'").hasMessageContaining("GPU memory");
    }

    @Test
    void blankOrNullNamesAndIdentitiesAreRefusedByTheBuilder() {
        Int8Calibration.Builder builder = Int8Calibration.builder(List.of(batch(1)));

        assertThatThrownBy(() -> Int8Calibration.builder(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.keepFp32(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.keepFp32((String) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.identity("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theCalibrationReachesTheBackendWithInt8AndIsRefusedWithAnotherPrecision() {
        AtomicReference<EngineConfig> seen = new AtomicReference<>();
        BackendProvider recording = new BackendsAndBuilderTest.FakeProvider("rec", 1, Availability.available("here")) {
            @Override
            public InferenceEngine create(EngineConfig config) {
                seen.set(config);
                return super.create(config);
            }
        };
        Int8Calibration calibration = Int8Calibration.builder(List.of(batch(1, 2))).identity("d").build();
        EngineBuilder builder = InferenceEngine.builder().backends(Backends.of(recording)).model(new byte[] {1})
                .int8Calibration(calibration);

        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("FP32")
                .hasMessageContaining("Precision.INT8");
        try (InferenceEngine ignored = builder.precision(Precision.INT8).build()) {
            assertThat(seen.get().precision()).isEqualTo(Precision.INT8);
            assertThat(seen.get().int8Calibration()).containsSame(calibration);
        }
    }

    /** A tensor that claims to live in GPU memory, which calibration cannot read. */
    private static final class DeviceLikeTensor extends Tensor {
        DeviceLikeTensor() {
            super(ElementType.FLOAT32, Shape.of(1, 2));
        }

        @Override
        public MemoryLocation location() {
            return MemoryLocation.DEVICE;
        }

        @Override
        protected void release() {
            // owns nothing
        }
    }
}
