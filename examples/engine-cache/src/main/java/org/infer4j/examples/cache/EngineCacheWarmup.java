package org.infer4j.examples.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongBinaryOperator;
import java.util.stream.Stream;
import org.infer4j.EngineBuilder;
import org.infer4j.InferenceEngine;
import org.infer4j.Tensor;
import org.infer4j.ort.OrtSettings;
import org.infer4j.tensorrt.TensorRtSettings;

/**
 * Builds a model's TensorRT engines at deploy time into a cache directory ({@code warm}), so that the service starts
 * from them without building ({@code start}), which for a large model saves minutes per start. Both modes build the
 * engine for the declared input shapes (the range from their smallest to their largest, optimal at the first), run
 * each declared shape once, and report which files the start wrote into the directory: {@code start} should write
 * none. The declarations must be the same in both modes: they are part of the engine's cache key.
 *
 * <pre>EngineCacheWarmup warm|start MODEL.onnx CACHE_DIR BACKEND INPUT=SHAPE,SHAPE... [INPUT=...]
 * e.g. warm resnet50.onnx /var/cache/engines tensorrt input=1x3x224x224,32x3x224x224</pre>
 *
 * <p>{@code tensorrt} and {@code ort-tensorrt} keep engines and timing caches there; other backends keep nothing:
 * ONNX Runtime on the CPU optimises the graph in memory at each start, in milliseconds to seconds, and writes nothing.
 */
public final class EngineCacheWarmup {
    /** The backends that keep compiled engines in the cache directory this program gives them. */
    static final Set<String> CACHING_BACKENDS = Set.of("tensorrt", "ort-tensorrt");

    /** What a start did: built and wrote engines, started from them, or runs on a backend that caches nothing. */
    enum Outcome { BUILT, STARTED_FROM_CACHE, NOTHING_TO_CACHE }

    /** What a start did, the backend that ran, the files it wrote into the cache directory, and the shapes it ran. */
    record Report(Outcome outcome, String backend, List<String> written, int shapesRun) {}

    private EngineCacheWarmup() {
    }

    public static void main(String[] args) {
        if (args.length < 5 || !Set.of("warm", "start").contains(args[0])) {
            System.err.println("usage: EngineCacheWarmup warm|start MODEL.onnx CACHE_DIR BACKEND INPUT=SHAPE,SHAPE... [INPUT=...]");
            System.exit(2);
        }
        Path cache = Path.of(args[2]);
        Report report = start(Path.of(args[1]), cache, args[3], declaredShapes(Arrays.copyOfRange(args, 4, args.length)));
        System.out.println(switch (report.outcome()) {
            case BUILT -> report.backend() + " built its engines and wrote " + report.written() + " into " + cache;
            case STARTED_FROM_CACHE -> report.backend() + " started from " + cache + " without building: it wrote nothing";
            case NOTHING_TO_CACHE -> report.backend() + " keeps no engines, so there is nothing to warm: it wrote nothing";
        });
        System.out.println("ran " + report.shapesRun() + " declared shapes");
        if (args[0].equals("start") && report.outcome() == Outcome.BUILT) {
            System.exit(1); // the deployment's cache did not fit this model, GPU, TensorRT version or these shapes
        }
    }

    /** Builds the engine with its caches in {@code cache}, runs every declared shape and reports what it wrote. */
    static Report start(Path model, Path cache, String backend, Map<String, List<long[]>> shapes) {
        EngineBuilder builder = InferenceEngine.builder().model(model).backend(backend)
                .settings(TensorRtSettings.builder().cacheDirectory(cache).build())
                .settings(OrtSettings.builder().tensorRtCacheDirectory(cache).build());
        int count = shapes.values().iterator().next().size();
        shapes.forEach((input, list) -> {
            if (list.size() != count) {
                throw new IllegalArgumentException("declare as many shapes for every input; " + input + " has " + list.size()
                        + ", the first input " + count);
            }
            builder.shapeRange(input, elementwise(list, Math::min), list.get(0), elementwise(list, Math::max));
        });
        Map<Path, FileTime> before = listing(cache);
        try (InferenceEngine engine = builder.build()) {
            for (int i = 0; i < count; i++) {
                Map<String, Tensor> inputs = new LinkedHashMap<>();
                for (Map.Entry<String, List<long[]>> e : shapes.entrySet()) {
                    inputs.put(e.getKey(), engine.allocate(e.getKey(), e.getValue().get(i))); // zeros: a valid input
                }
                try {
                    engine.run(inputs).close();
                } finally {
                    inputs.values().forEach(Tensor::close);
                }
            }
            Map<Path, FileTime> after = listing(cache);
            List<String> written = after.entrySet().stream().filter(f -> !f.getValue().equals(before.get(f.getKey())))
                    .map(f -> f.getKey().getFileName().toString()).sorted().toList();
            Outcome outcome = !CACHING_BACKENDS.contains(engine.backend()) ? Outcome.NOTHING_TO_CACHE
                    : written.isEmpty() ? Outcome.STARTED_FROM_CACHE : Outcome.BUILT;
            return new Report(outcome, engine.backend(), written, count);
        }
    }

    /** {@code input_ids=1x16,8x128 attention_mask=1x16,8x128}: each input's declared shapes, in order. */
    static Map<String, List<long[]>> declaredShapes(String... declarations) {
        Map<String, List<long[]>> shapes = new LinkedHashMap<>();
        for (String declaration : declarations) {
            String[] nameAndShapes = declaration.split("=", 2);
            if (nameAndShapes.length != 2 || nameAndShapes[1].isBlank()) {
                throw new IllegalArgumentException("declare shapes as INPUT=1x16,8x16, not '" + declaration + "'");
            }
            List<long[]> list = new ArrayList<>();
            for (String shape : nameAndShapes[1].split(",")) {
                list.add(Stream.of(shape.split("x")).mapToLong(Long::parseLong).toArray());
                if (list.get(list.size() - 1).length != list.get(0).length) {
                    throw new IllegalArgumentException("the shapes of " + nameAndShapes[0] + " differ in rank: " + nameAndShapes[1]);
                }
            }
            shapes.put(nameAndShapes[0], list);
        }
        return shapes;
    }

    private static long[] elementwise(List<long[]> shapes, LongBinaryOperator pick) {
        long[] result = shapes.get(0).clone();
        for (long[] shape : shapes) {
            for (int d = 0; d < result.length; d++) {
                result[d] = pick.applyAsLong(result[d], shape[d]);
            }
        }
        return result;
    }

    /** Each regular file of the directory with its last-modified time; empty if there is no directory. */
    private static Map<Path, FileTime> listing(Path directory) {
        if (!Files.isDirectory(directory)) {
            return Map.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            Map<Path, FileTime> listing = new LinkedHashMap<>();
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                listing.put(f, Files.getLastModifiedTime(f));
            }
            return listing;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the cache directory " + directory, e);
        }
    }
}
