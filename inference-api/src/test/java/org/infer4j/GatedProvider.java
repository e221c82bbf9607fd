package org.infer4j;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;

/** Makes {@link GatedEngine}s, one per device asked for, and keeps them for the test to hold and inspect. */
class GatedProvider implements BackendProvider {
    final List<GatedEngine> made = new CopyOnWriteArrayList<>();
    private final int devices;
    private final long width;

    /** @param devices how many devices the fake backend sees; @param width x's dimension 1, -1 for any */
    GatedProvider(int devices, long width) {
        this.devices = devices;
        this.width = width;
    }

    @Override
    public String name() {
        return "gated";
    }

    @Override
    public int priority() {
        return 1;
    }

    @Override
    public String description() {
        return "a fake for the asynchronous, batching and routing tests";
    }

    @Override
    public Availability availability() {
        return Availability.available("the test's CPU");
    }

    @Override
    public int deviceCount() {
        return devices;
    }

    @Override
    public InferenceEngine create(EngineConfig config) {
        if (config.deviceIndex() >= devices) {
            throw new BackendUnavailableException("fake device " + config.deviceIndex() + " does not exist");
        }
        GatedEngine engine = new GatedEngine(config.deviceIndex(), config.maxInFlight(), width);
        made.add(engine);
        return engine;
    }

    /** The engine made for {@code device}. */
    GatedEngine on(int device) {
        return made.stream().filter(e -> e.device == device).findFirst().orElseThrow();
    }

    EngineBuilder builder() {
        return InferenceEngine.builder().backends(Backends.of(this)).backend("gated").model(new byte[] {1});
    }
}
