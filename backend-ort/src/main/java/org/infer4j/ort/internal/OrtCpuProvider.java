package org.infer4j.ort.internal;

import ai.onnxruntime.OrtSession;
import java.util.Set;
import org.infer4j.Availability;
import org.infer4j.ort.OrtSettings;
import org.infer4j.spi.EngineConfig;

/** {@code ort-cpu}: ONNX Runtime's CPU execution provider. Runs wherever ONNX Runtime loads. */
public final class OrtCpuProvider extends OrtProviderBase {

    @Override
    public String name() {
        return "ort-cpu";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public String description() {
        return "ONNX Runtime " + OrtNative.version() + ", CPU execution provider";
    }

    @Override
    public Availability availability() {
        return OrtNative.runtime();
    }

    @Override
    void addExecutionProviders(OrtSession.SessionOptions options, EngineConfig config, OrtSettings settings) {
        // the CPU provider is always there
    }

    @Override
    boolean supportsCuda() {
        return false;
    }

    @Override
    Set<String> optionPrefixes() {
        return Set.of("session.");
    }
}
