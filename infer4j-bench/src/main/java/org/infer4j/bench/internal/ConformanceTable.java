package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The conformance run's rows: one CSV line each ({@code model,backend,precision,shape,status,
 * max_abs,rmse,tolerance,reason}), and the Markdown summary made from them: per backend and
 * precision the counts and pass rate, then one line per model. Stateless.
 */
public final class ConformanceTable {
    private ConformanceTable() {
    }

    /** One CSV line; numbers in {@code %.3g}, NaN as an empty field, text quoted where CSV needs it. */
    public static String row(String model, String backend, String precision, String shape, String status, double maxAbs,
                             double rmse, double tolerance, @Nullable String reason) {
        return String.join(",", quote(model), quote(backend), quote(precision), quote(shape), quote(status),
                number(maxAbs), number(rmse), number(tolerance), quote(reason == null ? "" : reason));
    }

    /** The fields of one CSV line written by {@link #row}. */
    public static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    /**
     * The summary of {@code rows} (CSV lines without the header): a table of counts per backend
     * and precision, then a table with one line per model and a cell per backend and precision
     * ({@code pass}, {@code FAIL} or {@code unsupported}, the worse of its shapes), then every row
     * that did not pass, with its reason.
     */
    public static String markdown(List<String> rows) {
        Map<String, int[]> counts = new TreeMap<>(); // "backend precision" -> pass, fail, unsupported
        Map<String, Map<String, String>> byModel = new LinkedHashMap<>();
        List<List<String>> notPassed = new ArrayList<>();
        for (String line : rows) {
            if (line.isBlank()) {
                continue;
            }
            List<String> f = fields(line);
            String column = f.get(1) + " " + f.get(2);
            String status = f.get(4);
            int[] c = counts.computeIfAbsent(column, k -> new int[3]);
            c[switch (status) {
                case "pass" -> 0;
                case "unsupported" -> 2;
                default -> 1;
            }]++;
            byModel.computeIfAbsent(f.get(0), k -> new LinkedHashMap<>()).merge(column, status, ConformanceTable::worse);
            if (!status.equals("pass")) {
                notPassed.add(f);
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("| backend | precision | pass | fail | unsupported | pass rate |\n|---|---|---|---|---|---|\n");
        counts.forEach((column, c) -> {
            int total = c[0] + c[1] + c[2];
            int space = column.lastIndexOf(' ');
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %.1f %% |%n", column.substring(0, space),
                    column.substring(space + 1), c[0], c[1], c[2], total == 0 ? 0.0 : 100.0 * c[0] / total));
        });
        List<String> columns = new ArrayList<>(counts.keySet());
        md.append("\n| model | ").append(String.join(" | ", columns)).append(" |\n|---|");
        md.append("---|".repeat(columns.size())).append('\n');
        byModel.forEach((model, cells) -> {
            md.append("| ").append(model).append(" |");
            for (String column : columns) {
                String s = cells.getOrDefault(column, "");
                md.append(' ').append(s.equals("fail") ? "**FAIL**" : s).append(" |");
            }
            md.append('\n');
        });
        if (!notPassed.isEmpty()) {
            md.append("\n| model | backend | precision | shape | status | max_abs | tolerance | reason |\n");
            md.append("|---|---|---|---|---|---|---|---|\n");
            for (List<String> f : notPassed) {
                md.append(String.format("| %s | %s | %s | %s | %s | %s | %s | %s |%n", f.get(0), f.get(1), f.get(2),
                        f.get(3), f.get(4), f.get(5), f.get(7), f.get(8).replace("|", "\\|")));
            }
        }
        return md.toString();
    }

    private static String worse(String a, String b) {
        return rank(a) >= rank(b) ? a : b;
    }

    private static int rank(String status) {
        return switch (status) {
            case "pass" -> 0;
            case "unsupported" -> 1;
            default -> 2;
        };
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
