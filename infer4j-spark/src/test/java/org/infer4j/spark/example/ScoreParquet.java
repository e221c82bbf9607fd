package org.infer4j.spark.example;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.spark.InferenceTransformer;

/**
 * Scores a Parquet file of feature rows with {@code models/mlp_tiny.onnx} and prints rows/s: writes the
 * file first if it is absent (one million rows of 16 seeded random floats by default), then runs the
 * transform over it a few times, the first including the engine's build and the JIT's warm-up.
 *
 * <p>Options, each {@code --name value}: {@code --parquet} the file (default
 * {@code target/score-parquet/features.parquet}), {@code --rows} the rows to write when it is absent
 * (1000000), {@code --model} ({@code ../models/mlp_tiny.onnx}), {@code --backend} ({@code ort-cpu}),
 * {@code --master} ({@code local[2]}), {@code --batch} rows per engine call (256), {@code --runs} (3),
 * and {@code --baseline true} to also time a plain single-threaded loop of the same engine over the same
 * rows, read into memory first.
 */
public final class ScoreParquet {
    private static final int FEATURES = 16;

    private ScoreParquet() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        Path parquet = Path.of(options.getOrDefault("parquet", "target/score-parquet/features.parquet"));
        long rows = Long.parseLong(options.getOrDefault("rows", "1000000"));
        String model = options.getOrDefault("model", "../models/mlp_tiny.onnx");
        String backend = options.getOrDefault("backend", "ort-cpu");
        int batch = Integer.parseInt(options.getOrDefault("batch", "256"));
        int runs = Integer.parseInt(options.getOrDefault("runs", "3"));

        SparkSession spark = SparkSession.builder().master(options.getOrDefault("master", "local[2]"))
                .appName("infer4j ScoreParquet").config("spark.ui.enabled", "false").getOrCreate();
        try {
            if (!Files.exists(parquet)) {
                write(spark, parquet, rows);
            }
            Dataset<Row> features = spark.read().parquet(parquet.toString());
            long count = features.count();
            InferenceTransformer scorer = new InferenceTransformer().setModelPath(model).setBackend(backend)
                    .setInputCols("features").setOutputCols("scores").setBatchSize(batch);
            System.out.printf(Locale.ROOT, "%s: %d rows, %d partitions, %s, %s, batch %d%n", parquet, count,
                    features.rdd().getNumPartitions(), spark.sparkContext().master(), backend, batch);
            for (int run = 1; run <= runs; run++) {
                long start = System.nanoTime();
                // the noop sink computes every column of every row and keeps nothing
                scorer.transform(features).write().format("noop").mode("overwrite").save();
                report("spark run " + run, count, System.nanoTime() - start);
            }
            if (Boolean.parseBoolean(options.getOrDefault("baseline", "false"))) {
                baseline(features, model, backend, batch, runs);
            }
        } finally {
            spark.stop();
        }
    }

    /** One million (or {@code rows}) rows: an id and 16 floats in [-1, 1), seeded. */
    private static void write(SparkSession spark, Path parquet, long rows) {
        Column[] features = new Column[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            features[j] = rand(j).multiply(lit(2)).minus(lit(1)).cast("float");
        }
        long start = System.nanoTime();
        spark.range(rows).select(col("id"), array(features).alias("features")).write().parquet(parquet.toString());
        report("wrote " + parquet, rows, System.nanoTime() - start);
    }

    /** The same engine in one thread over the same rows, held in memory, batch by batch. */
    private static void baseline(Dataset<Row> features, String model, String backend, int batch, int runs) {
        List<float[]> rows = new ArrayList<>();
        Iterator<Row> it = features.select("features").toLocalIterator();
        while (it.hasNext()) {
            List<Float> values = it.next().getList(0);
            float[] row = new float[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                row[j] = values.get(j);
            }
            rows.add(row);
        }
        try (InferenceEngine engine = InferenceEngine.builder().model(Path.of(model)).backend(backend).build()) {
            for (int run = 1; run <= runs; run++) {
                long start = System.nanoTime();
                long checksum = 0;
                for (int from = 0; from < rows.size(); from += batch) {
                    int n = Math.min(batch, rows.size() - from);
                    float[] flat = new float[n * FEATURES];
                    for (int r = 0; r < n; r++) {
                        System.arraycopy(rows.get(from + r), 0, flat, r * FEATURES, FEATURES);
                    }
                    try (Tensor input = Tensor.of(flat, n, FEATURES);
                         Outputs out = engine.run(Map.of("input", input))) {
                        checksum += out.get("output").toFloatArray().length;
                    }
                }
                report("plain loop run " + run + " (" + checksum + " output values)", rows.size(), System.nanoTime() - start);
            }
        }
    }

    private static void report(String what, long rows, long nanos) {
        double seconds = nanos / 1e9;
        System.out.printf(Locale.ROOT, "%s: %d rows in %.2f s, %.0f rows/s%n", what, rows, seconds, rows / seconds);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("options are --name value pairs; got " + String.join(" ", args));
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
