package org.infer4j.bench;

import org.infer4j.Availability;
import org.infer4j.InferenceEngine;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;

/** {@code test-unavailable}: a backend that is never available, like a GPU backend on this machine. */
public final class UnavailableBackendProvider implements BackendProvider {
    static final String NAME = "test-unavailable";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 2;
    }

    @Override
    public String description() {
        return "never available, for tests";
    }

    @Override
    public Availability availability() {
        return Availability.unavailable("libtest.so.1 not found", "nothing to install; it is a test double");
    }

    @Override
    public InferenceEngine create(EngineConfig config) {
        throw new AssertionError("create() of an unavailable backend must not be called");
    }
}
