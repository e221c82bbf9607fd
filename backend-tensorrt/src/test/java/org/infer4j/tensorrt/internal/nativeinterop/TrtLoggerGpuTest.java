package org.infer4j.tensorrt.internal.nativeinterop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.tensorrt.nvinfer.ILogger.Severity;
import org.infer4j.Availability;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The logger TensorRT calls back into never lets an exception reach native code. */
class TrtLoggerGpuTest {
    @BeforeAll
    static void tensorRtLoads() {
        Availability a = NativeStack.availability();
        assumeTrue(a.isAvailable(), () -> "tensorrt cannot run here: " + a);
    }

    @Test
    void aLineConsumerThatThrowsDoesNotEscapeTheCallback() {
        try (TrtLogger.Capture c = TrtLogger.INSTANCE.capture(line -> {
            throw new IllegalStateException("a consumer that fails");
        })) {
            assertThatCode(() -> TrtLogger.INSTANCE.log(Severity.kWARNING, "a warning"))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void errorsAreStillCapturedForTheCallingThread() {
        List<String> lines = new ArrayList<>();
        try (TrtLogger.Capture c = TrtLogger.INSTANCE.capture(lines::add)) {
            TrtLogger.INSTANCE.log(Severity.kERROR, "an error");
            assertThat(lines).containsExactly("an error");
            assertThat(c.errors()).contains("an error");
        }
    }
}
