package org.infer4j.examples.backend;

import java.util.Optional;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.jspecify.annotations.Nullable;

/**
 * The backend {@code logged-ort-cpu}: ONNX Runtime on the CPU ({@code ort-cpu}, which does the work) with every call
 * slower than a {@link SlowCallThreshold} logged at WARN, naming its input shapes, and calls counted in the engine's
 * stats ({@code logged.calls}, {@code logged.slowCalls}). Registered in
 * {@code META-INF/services/org.infer4j.spi.BackendProvider}; chosen by name only, since its priority is below every
 * built-in backend's. Thread-safe.
 */
public final class LoggedOrtCpuProvider implements BackendProvider {
    static final String NAME = "logged-ort-cpu";
    private static final String DELEGATE = "ort-cpu";

    private final @Nullable Backends backends;
    private volatile @Nullable Optional<BackendProvider> delegate;

    /** The provider ServiceLoader makes: it finds ort-cpu among the backends of its own class path. */
    public LoggedOrtCpuProvider() {
        this(null);
    }

    /** A provider that finds ort-cpu in {@code backends}, or on the class path where that is null. */
    LoggedOrtCpuProvider(@Nullable Backends backends) {
        this.backends = backends;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public String description() {
        return "ort-cpu, logging each call slower than a threshold (an example plug-in)";
    }

    @Override
    public Availability availability() {
        Optional<BackendProvider> ortCpu = delegate();
        if (ortCpu.isEmpty()) {
            return Availability.unavailable(NAME + " runs its models on ort-cpu, and no ort-cpu is on the class path",
                    "add org.infer4j:backend-ort to the class path");
        }
        Availability inner = ortCpu.get().availability();
        return inner.isAvailable() ? Availability.available(inner.detail() + ", through ort-cpu")
                : Availability.unavailable(NAME + " runs its models on ort-cpu, which cannot run here: " + inner.detail(),
                        inner.remedy(), inner.cause());
    }

    @Override
    public InferenceEngine create(EngineConfig config) {
        InferenceEngine ortCpu = delegate().orElseThrow().create(config);
        return new LoggedEngine(NAME, ortCpu,
                config.settings(SlowCallThreshold.class).map(SlowCallThreshold::duration).orElse(SlowCallThreshold.DEFAULT));
    }

    /** Found once: discovery reads the class path, which availability() is asked often enough not to repeat. */
    private Optional<BackendProvider> delegate() {
        Optional<BackendProvider> found = delegate;
        if (found == null) {
            found = (backends != null ? backends : Backends.discover(getClass().getClassLoader())).find(DELEGATE);
            delegate = found;
        }
        return found;
    }
}
