package org.infer4j.tensorrt.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;
import org.infer4j.tensorrt.TensorRtSettings;

/**
 * GPU verification: per model, the cold build time (empty cache), the cached start time, and the
 * mean latency of batch-1 runs with host copies, as one JSON object per line.
 *
 * <pre>java -cp '.gpu/app/*' org.infer4j.tensorrt.internal.StartTimes [--fp16] [--seq N] [--runs N] model.onnx...</pre>
 */
public final class StartTimes {
    private StartTimes() {
    }

    public static void main(String[] args) throws Exception {
        Precision precision = Precision.FP32;
        int seq = 128;
        int runs = 1000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--fp16" -> precision = Precision.FP16;
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> measure(Path.of(args[i]), precision, seq, runs);
            }
        }
    }

    private static void measure(Path model, Precision precision, int seq, int runs) throws Exception {
        Path cache = Files.createTempDirectory("infer4j-trt-starttimes");
        TensorRtSettings settings = TensorRtSettings.builder().cacheDirectory(cache).build();
        long cold;
        long t0 = System.nanoTime();
        try (InferenceEngine e = InferenceEngine.builder().backend(TensorRtProvider.NAME).model(model).precision(precision)
                .settings(settings).build()) {
            cold = System.nanoTime() - t0;
        }
        long t1 = System.nanoTime();
        try (InferenceEngine e = InferenceEngine.builder().backend(TensorRtProvider.NAME).model(model).precision(precision)
                .settings(settings).build()) {
            long cached = System.nanoTime() - t1;
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            for (TensorInfo info : e.inputs()) {
                long[] dims = info.shape().toArray();
                for (int d = 0; d < dims.length; d++) {
                    if (dims[d] == Shape.UNKNOWN) {
                        dims[d] = d == 0 ? 1 : seq;
                    }
                }
                Tensor t = e.allocate(info.name(), dims);
                if (info.elementType() == ElementType.INT64) {
                    var b = t.buffer().asLongBuffer();
                    while (b.hasRemaining()) {
                        b.put(1);
                    }
                }
                inputs.put(info.name(), t);
            }
            try (var binding = e.bind(inputs)) {
                for (int i = 0; i < Math.min(100, runs); i++) {
                    binding.run();
                }
                long t2 = System.nanoTime();
                for (int i = 0; i < runs; i++) {
                    binding.run();
                }
                double meanMicros = (System.nanoTime() - t2) / 1e3 / runs;
                long t3 = System.nanoTime();
                for (int i = 0; i < runs; i++) {
                    try (Outputs out = e.run(inputs)) {
                        out.names();
                    }
                }
                double runMeanMicros = (System.nanoTime() - t3) / 1e3 / runs;
                System.out.printf("{\"model\":\"%s\",\"precision\":\"%s\",\"coldStartMs\":%.1f,\"cachedStartMs\":%.1f,"
                                + "\"bindingMeanUs\":%.1f,\"runMeanUs\":%.1f,\"runs\":%d}%n", model.getFileName(), precision,
                        cold / 1e6, cached / 1e6, meanMicros, runMeanMicros, runs);
            } finally {
                inputs.values().forEach(Tensor::close);
            }
        }
    }
}
