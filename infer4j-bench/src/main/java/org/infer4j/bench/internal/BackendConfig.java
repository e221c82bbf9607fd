package org.infer4j.bench.internal;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Precision;

/**
 * A backend, whether it runs CUDA graphs, and its options, written {@code NAME[+graphs][:KEY=VALUE;...]}:
 * {@code tensorrt+graphs} is the tensorrt backend with {@code EngineBuilder.cudaGraphs(true)} (which
 * replays graphs where {@code backend-cuda-graphs} is on the class path), {@code ort-cuda:cuda.use_tf32=1}
 * ort-cuda with one option. Immutable.
 *
 * @param label the configuration as written
 * @param backend the backend's name
 * @param graphs whether engines are built with CUDA graphs on
 * @param options options passed to {@link EngineBuilder#option}, in the order written
 */
public record BackendConfig(String label, String backend, boolean graphs, Map<String, String> options) {
    private static final String GRAPHS = "+graphs";

    public BackendConfig {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /**
     * Reads {@code NAME[+graphs][:KEY=VALUE;KEY=VALUE]}.
     *
     * @param spec the configuration as written
     * @return the configuration
     * @throws IllegalArgumentException for an empty name or an option that is not {@code KEY=VALUE}
     */
    public static BackendConfig parse(String spec) {
        String head = spec.trim();
        Map<String, String> options = new LinkedHashMap<>();
        int colon = head.indexOf(':');
        if (colon >= 0) {
            for (String kv : head.substring(colon + 1).split(";")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("option '" + kv + "' of configuration '" + spec + "' is not KEY=VALUE");
                }
                options.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            head = head.substring(0, colon);
        }
        boolean graphs = head.endsWith(GRAPHS);
        String backend = graphs ? head.substring(0, head.length() - GRAPHS.length()) : head;
        if (backend.isEmpty()) {
            throw new IllegalArgumentException("configuration '" + spec + "' names no backend; write NAME[+graphs][:KEY=VALUE]");
        }
        return new BackendConfig(spec.trim(), backend, graphs, options);
    }

    /**
     * Whether the backend builds an engine for FP16: ONNX Runtime's CPU and CUDA providers run the
     * model's own types, whatever the precision asked for.
     *
     * @return false for {@code ort-cpu} and {@code ort-cuda}, true otherwise
     */
    public boolean buildsFp16() {
        return !backend.equals("ort-cpu") && !backend.equals("ort-cuda");
    }

    /**
     * A builder for {@code model} on this configuration whose shape ranges span every shape given:
     * per input, the smallest and largest size of each dimension, optimised for the first shape.
     *
     * @param model the ONNX file
     * @param precision the precision to build for
     * @param shapes sets of input shapes by input name; the engine must take each of them
     * @return a builder, not yet built
     */
    public EngineBuilder builder(Path model, Precision precision, Collection<Map<String, long[]>> shapes) {
        EngineBuilder b = InferenceEngine.builder().model(model).backend(backend).precision(precision).cudaGraphs(graphs);
        options.forEach(b::option);
        Map<String, long[][]> ranges = new LinkedHashMap<>(); // name -> {min, opt, max}
        for (Map<String, long[]> inputs : shapes) {
            inputs.forEach((name, dims) -> {
                long[][] r = ranges.computeIfAbsent(name, k -> new long[][] {dims.clone(), dims.clone(), dims.clone()});
                for (int i = 0; i < dims.length; i++) {
                    r[0][i] = Math.min(r[0][i], dims[i]);
                    r[2][i] = Math.max(r[2][i], dims[i]);
                }
            });
        }
        ranges.forEach((name, r) -> b.shapeRange(name, r[0], r[1], r[2]));
        return b;
    }
}
