package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtLoggingLevel;
import java.lang.reflect.Proxy;
import org.infer4j.Availability;
import org.infer4j.spi.SharedLibraries;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** ONNX Runtime's own log stays quiet unless infer4j's logger asks for it, and no GPU provider is loaded in vain. */
class OrtQuietTest {

    /** A logger enabled from {@code level} up: "trace", "debug", or anything else for info and up. */
    private static Logger loggerAt(String level) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isTraceEnabled" -> level.equals("trace");
                    case "isDebugEnabled" -> level.equals("trace") || level.equals("debug");
                    case "getName" -> OrtNative.LOGGER;
                    default -> method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
    }

    @Test
    void onnxRuntimeLogsOnlyWhatIsFatalUnlessInfer4jsLoggerIsAtDebugOrTrace() {
        assertThat(OrtNative.loggingLevel(loggerAt("info"))).isEqualTo(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
        assertThat(OrtNative.loggingLevel(loggerAt("debug"))).isEqualTo(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING);
        assertThat(OrtNative.loggingLevel(loggerAt("trace"))).isEqualTo(OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE);
    }

    @Test
    void theTestsRunWithOnnxRuntimeAtFatal() {
        assumeTrue(OrtNative.runtime().isAvailable());
        assertThat(OrtNative.loggingLevel()).as("the tests log at WARN").isEqualTo(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
    }

    @Test
    void withoutAnNvidiaDriverTheGpuProvidersAreUnavailableWithoutLoadingAnything() {
        assumeTrue(OrtNative.runtime().isAvailable());
        assumeFalse(SharedLibraries.ofThisProcess().has(SharedLibraries.NVIDIA_DRIVER), "this machine has an NVIDIA driver");
        for (Availability a : new Availability[] {OrtNative.cuda(), OrtNative.tensorRt()}) {
            assertThat(a.isAvailable()).isFalse();
            assertThat(a.detail()).startsWith("no NVIDIA driver: libcuda.so.1 is not in");
            assertThat(a.cause()).as("no provider load was tried, so no error came back").isNull();
        }
    }
}
