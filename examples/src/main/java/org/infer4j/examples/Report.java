package org.infer4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.infer4j.examples.internal.HtmlReport;
import org.infer4j.examples.internal.PyTorchPeer;
import org.infer4j.examples.internal.ResultFiles;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Rebuilds the benchmark's HTML report from run JSONs already written, e.g. results brought back from
 * the GPU machine: every {@code *.json} in the given directories (and their subdirectories) that is a
 * benchmark run; each directory is a set, named by its file name ({@code bench}, {@code bench-cached}),
 * shown beside each configuration when there are several. Other JSON files (GraphBench, GpuTrace) are
 * listed in the report's notes as skipped. Older runs without the newer fields are read as they are.
 *
 * <pre>
 * java -cp 'examples/target/lib/*:examples/target/*' org.infer4j.examples.Report --out report.html \
 *      --pytorch-json results/models results/bench results/bench-cached
 * </pre>
 */
@Command(name = "infer4j-report", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = "Writes the self-contained HTML report of the benchmark runs (JSON) in the given directories.")
public final class Report implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Directories (or single files) of run JSONs; each is one set.")
    private List<Path> inputs = new ArrayList<>();

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "The HTML file to write.")
    private Path out = Path.of("report.html");

    @Option(names = "--pytorch-json", paramLabel = "FILE|DIR",
            description = "PyTorch's NAME.json (shared/gpu/models.py) for runs that do not carry PyTorch's figures yet.")
    private @Nullable Path pytorchJson;

    @Option(names = "--title", defaultValue = "infer4j benchmark report", description = "The report's title.")
    private String title = "infer4j benchmark report";

    public static void main(String[] args) {
        System.exit(new CommandLine(new Report()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        List<HtmlReport.Run> runs = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, List<String>> skipped = new LinkedHashMap<>();
        for (Path input : inputs) {
            String set = String.valueOf(input.toAbsolutePath().normalize().getFileName());
            List<Path> files;
            if (Files.isDirectory(input)) {
                try (Stream<Path> walk = Files.walk(input)) {
                    files = walk.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p)).sorted().toList();
                }
            } else {
                files = List.of(input);
            }
            for (Path file : files) {
                JsonNode json;
                try {
                    json = JSON.readTree(file.toFile());
                } catch (IOException e) {
                    skipped.computeIfAbsent("not JSON: " + e.getMessage().lines().findFirst().orElse(""), k -> new ArrayList<>())
                            .add(input.relativize(file).toString());
                    continue;
                }
                if (!isRun(json)) {
                    skipped.computeIfAbsent("not a benchmark run (e.g. GraphBench, GpuTrace or other JSON)", k -> new ArrayList<>())
                            .add(set + "/" + input.relativize(file));
                    continue;
                }
                runs.add(new HtmlReport.Run(set, withPyTorch(json)));
            }
        }
        skipped.forEach((why, files) -> notes.add("skipped " + files.size() + " file(s), " + why + ": " + String.join(", ", files)));
        if (pytorchJson != null) {
            notes.add("PyTorch figures from " + pytorchJson + " (shared/gpu/models.py: mean of timed calls, the shapes it "
                    + "exported with); shown beside runs of the same model, precision and input shapes.");
        }
        HtmlReport.write(out, runs, notes, title);
        PrintWriter console = new PrintWriter(System.out, true);
        console.printf("%s: %d runs%s%n", out, runs.size(), notes.isEmpty() ? "" : "; " + String.join("; ", notes));
        return runs.isEmpty() ? 1 : 0;
    }

    /** Whether {@code json} is a benchmark run: it names a backend and has the latency summary. */
    static boolean isRun(JsonNode json) {
        return json.path("backend").isTextual() && json.path("latency_us").isObject();
    }

    private JsonNode withPyTorch(JsonNode json) {
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
