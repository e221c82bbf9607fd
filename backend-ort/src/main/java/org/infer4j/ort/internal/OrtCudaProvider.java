package org.infer4j.ort.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import java.util.Set;
import org.infer4j.Availability;
import org.infer4j.ort.OrtSettings;
import org.infer4j.spi.EngineConfig;

/** {@code ort-cuda}: ONNX Runtime's CUDA execution provider, with the CPU provider for nodes CUDA lacks. */
public final class OrtCudaProvider extends OrtProviderBase {

    @Override
    public String name() {
        return "ort-cuda";
    }

    @Override
    public int priority() {
        return 500;
    }

    @Override
    public String description() {
        return "ONNX Runtime " + OrtNative.version() + ", CUDA execution provider";
    }

    @Override
    public Availability availability() {
        return OrtNative.cuda();
    }

    @Override
    void addExecutionProviders(OrtSession.SessionOptions options, EngineConfig config, OrtSettings settings)
            throws OrtException {
        addCuda(options, config);
    }

    /**
     * Adds the CUDA provider for this engine; {@code ort-tensorrt} puts the same provider behind TensorRT.
     * TF32 is off unless the option {@code cuda.use_tf32=1} turns it on: FP32 models give FP32-accurate
     * results by default (see {@link org.infer4j.ort.OrtSettings}).
     */
    static void addCuda(OrtSession.SessionOptions options, EngineConfig config) throws OrtException {
        OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(config.deviceIndex());
        try {
            cuda.add("use_tf32", "0");
            addPrefixed(config, "cuda.", cuda::add);
            options.addCUDA(cuda); // from here the session options own and close them
        } catch (OrtException | RuntimeException e) {
            cuda.close();
            throw e;
        }
    }

    @Override
    Set<String> optionPrefixes() {
        return Set.of("session.", "cuda.");
    }
}
