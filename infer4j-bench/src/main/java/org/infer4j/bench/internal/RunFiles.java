package org.infer4j.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Reads run JSONs back for the HTML report: every {@code *.json} under the given directories that is a benchmark
 * run (names a backend and has {@code latency_us}); each directory is a set named by its file name. Other JSON
 * files are listed as skipped. Runs without PyTorch's figures get them from {@code pytorchJson} where given.
 * Stateless.
 */
public final class RunFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunFiles() {
    }

    /** The runs found and notes on what was skipped and where PyTorch's figures came from. */
    public record Loaded(List<HtmlReport.Run> runs, List<String> notes) {
    }

    public static Loaded load(List<Path> inputs, @Nullable Path pytorchJson) {
        List<HtmlReport.Run> runs = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, List<String>> skipped = new LinkedHashMap<>();
        for (Path input : inputs) {
            String set = String.valueOf(input.toAbsolutePath().normalize().getFileName());
            List<Path> files;
            if (Files.isDirectory(input)) {
                try (Stream<Path> walk = Files.walk(input)) {
                    files = walk.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p)).sorted().toList();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + input + ": " + e.getMessage(), e);
                }
            } else {
                files = List.of(input);
            }
            for (Path file : files) {
                String name = Files.isDirectory(input) ? set + "/" + input.relativize(file) : String.valueOf(file.getFileName());
                JsonNode json;
                try {
                    json = JSON.readTree(file.toFile());
                } catch (IOException e) {
                    skipped.computeIfAbsent("not readable as JSON", k -> new ArrayList<>()).add(name);
                    continue;
                }
                if (!isRun(json)) {
                    skipped.computeIfAbsent("not a benchmark run", k -> new ArrayList<>()).add(name);
                    continue;
                }
                runs.add(new HtmlReport.Run(set, withPyTorch(json, pytorchJson)));
            }
        }
        skipped.forEach((why, names) -> notes.add("skipped " + names.size() + " file(s), " + why + ": " + String.join(", ", names)));
        if (pytorchJson != null) {
            notes.add("PyTorch figures from " + pytorchJson + " (shared/gpu/models.py: mean of back-to-back calls, the shapes "
                    + "it exported with); shown beside runs of the same model, precision and input shapes.");
        }
        return new Loaded(runs, notes);
    }

    /** Whether {@code json} is a benchmark run: it names a backend and has the latency summary. */
    public static boolean isRun(JsonNode json) {
        return json.path("backend").isTextual() && json.path("latency_us").isObject();
    }

    private static JsonNode withPyTorch(JsonNode json, @Nullable Path pytorchJson) {
        if (pytorchJson == null || json.hasNonNull("pytorch") || !(json instanceof ObjectNode object)) {
            return json;
        }
        Path file = PyTorchPeer.locate(pytorchJson, Path.of(json.path("model").asText("model.onnx")));
        if (file == null) {
            return json;
        }
        try {
            Map<String, List<Long>> shapes = new LinkedHashMap<>();
            json.path("inputs").fields().forEachRemaining(e -> {
                List<Long> shape = new ArrayList<>();
                e.getValue().path("shape").forEach(d -> shape.add(d.asLong()));
                shapes.put(e.getKey(), shape);
            });
            PyTorchPeer.Report peer = PyTorchPeer.read(file).reportFor(json.path("precision").asText(""), shapes);
            if (peer != null) {
                object.set("pytorch", ResultFiles.toTree(peer));
            }
            return object;
        } catch (UncheckedIOException e) {
            return json;
        }
    }
}
