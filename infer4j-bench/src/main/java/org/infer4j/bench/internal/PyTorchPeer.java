package org.infer4j.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * PyTorch's latency for the same model, as {@code shared/gpu/models.py} writes it beside the ONNX file
 * ({@code NAME.json}): the inputs it timed (shapes), the device, the torch version, and per precision
 * ({@code pytorch_fp32}, {@code pytorch_fp16}) the eager latency and the CUDA-graph replay latency, or why
 * capture failed. Immutable.
 *
 * @param source the file read
 * @param inputs each input's shape as PyTorch timed it
 * @param precisions by precision name ({@code FP32}, {@code FP16})
 */
public record PyTorchPeer(String source, @Nullable String device, @Nullable String torch, Map<String, List<Long>> inputs,
                          Map<String, Timing> precisions) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public PyTorchPeer {
        inputs = Map.copyOf(inputs);
        precisions = Map.copyOf(precisions);
    }

    /** One precision: eager and CUDA-graph latency in microseconds (null where not measured) and the capture error. */
    public record Timing(@Nullable Double eagerUs, @Nullable Double cudaGraphUs, @Nullable String cudaGraphError) {
    }

    /**
     * The peer of one run, as its JSON carries it.
     *
     * @param shapesMatch whether PyTorch timed the run's input shapes; the CSV carries PyTorch's
     *        figures only where it did
     */
    public record Report(String source, @Nullable String device, @Nullable String torch, Map<String, List<Long>> inputs,
                         boolean shapesMatch, @Nullable Double eagerUs, @Nullable Double cudaGraphUs,
                         @Nullable String cudaGraphError) {
    }

    /** Reads a {@code NAME.json} of models.py. */
    public static PyTorchPeer read(Path file) {
        try {
            return parse(JSON.readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read PyTorch's results " + file + ": " + e.getMessage(), e);
        }
    }

    static PyTorchPeer parse(JsonNode root, String source) {
        Map<String, List<Long>> inputs = new LinkedHashMap<>();
        JsonNode in = root.path("inputs");
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<Long> shape = new ArrayList<>();
            e.getValue().path("shape").forEach(d -> shape.add(d.asLong()));
            inputs.put(e.getKey(), shape);
        }
        Map<String, Timing> precisions = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith("pytorch_") && e.getValue().isObject()) {
                JsonNode p = e.getValue();
                precisions.put(e.getKey().substring("pytorch_".length()).toUpperCase(Locale.ROOT), new Timing(
                        number(p.get("eager_us")), number(p.get("cuda_graph_us")), text(p.get("cuda_graph_error"))));
            }
        }
        return new PyTorchPeer(source, text(root.get("device")), text(root.get("torch")), inputs, precisions);
    }

    /**
     * The peer file for {@code model}: {@code location} itself if it is a file, {@code NAME.json} in it if it is
     * a directory, or {@code NAME.json} beside the model when {@code location} is null; null if there is none.
     */
    public static @Nullable Path locate(@Nullable Path location, Path model) {
        String name = String.valueOf(model.getFileName()).replaceFirst("\\.onnx$", "") + ".json";
        Path candidate;
        if (location == null) {
            Path dir = model.toAbsolutePath().getParent();
            candidate = dir == null ? null : dir.resolve(name);
        } else if (Files.isDirectory(location)) {
            candidate = location.resolve(name);
        } else {
            candidate = location;
        }
        return candidate != null && Files.isRegularFile(candidate) ? candidate : null;
    }

    /** The peer for a run of {@code precision} on {@code shapes}; null if PyTorch has no figures for the precision. */
    public @Nullable Report reportFor(String precision, Map<String, List<Long>> shapes) {
        Timing t = precisions.get(precision.toUpperCase(Locale.ROOT));
        if (t == null) {
            return null;
        }
        return new Report(source, device, torch, inputs, shapes.equals(inputs), t.eagerUs(), t.cudaGraphUs(), t.cudaGraphError());
    }

    private static @Nullable Double number(@Nullable JsonNode node) {
        return node == null || !node.isNumber() ? null : node.asDouble();
    }

    private static @Nullable String text(@Nullable JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
