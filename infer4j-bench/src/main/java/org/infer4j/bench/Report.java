package org.infer4j.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.infer4j.bench.internal.HtmlReport;
import org.infer4j.bench.internal.RunFiles;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Rebuilds the benchmark's HTML report from run JSONs already written, e.g. results brought back from
 * the GPU machine: every {@code *.json} in the given directories (and their subdirectories) that is a
 * benchmark run; each directory is a set, named by its file name ({@code bench}, {@code bench-cached}),
 * shown beside each configuration when there are several. Other JSON files are listed in the report's
 * notes as skipped. Older runs without the newer fields are read as they are.
 *
 * <pre>
 * java -cp 'infer4j-bench/target/lib/*:infer4j-bench/target/*' org.infer4j.bench.Report --out report.html \
 *      --pytorch-json results/models results/bench results/bench-cached
 * </pre>
 */
@Command(name = "infer4j-report", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = "Writes the self-contained HTML report of the benchmark runs (JSON) in the given directories.")
public final class Report implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Directories (or single files) of run JSONs; each is one set.")
    private List<Path> inputs = new ArrayList<>();

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "The HTML file to write.")
    private Path out = Path.of("report.html");

    @Option(names = "--pytorch-json", paramLabel = "FILE|DIR",
            description = "PyTorch's NAME.json (shared/gpu/models.py) for runs that do not carry PyTorch's figures yet.")
    private @Nullable Path pytorchJson;

    @Option(names = "--charts", paramLabel = "DIR",
            description = "Also write each chart as a standalone SVG file into DIR (named from its title).")
    private @Nullable Path charts;

    @Option(names = "--title", defaultValue = "infer4j benchmark report", description = "The report's title.")
    private String title = "infer4j benchmark report";

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.@Nullable CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Report()).execute(args));
    }

    @Override
    public Integer call() {
        RunFiles.Loaded loaded = RunFiles.load(inputs, pytorchJson);
        HtmlReport.write(out, loaded.runs(), loaded.notes(), title);
        if (charts != null) {
            try {
                java.nio.file.Files.createDirectories(charts);
                for (var chart : HtmlReport.charts(java.nio.file.Files.readString(out)).entrySet()) {
                    java.nio.file.Files.writeString(charts.resolve(chart.getKey()), chart.getValue());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write the charts to " + charts + ": " + e.getMessage(), e);
            }
        }
        PrintWriter console = java.util.Objects.requireNonNull(spec, "picocli injects the spec").commandLine().getOut();
        console.printf("%s: %d runs%s%n", out, loaded.runs().size(),
                loaded.notes().isEmpty() ? "" : "; " + String.join("; ", loaded.notes()));
        console.flush();
        return loaded.runs().isEmpty() ? 1 : 0;
    }
}
