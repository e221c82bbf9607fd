package org.infer4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.infer4j.Backends;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.spark.internal.EngineCache;
import org.infer4j.spark.internal.GpuAssignment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transformer in Spark's local mode on two threads, scoring on ort-cpu. One Spark session serves
 * the whole class: starting one takes seconds.
 */
class InferenceTransformerTest {
    private static final StructType FEATURES = new StructType().add("id", DataTypes.IntegerType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("infer4j-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
        EngineCache.shared().closeAll();
    }

    private static Dataset<Row> frame(List<Row> rows, StructType schema, int partitions) {
        return spark.createDataFrame(jsc.parallelize(rows, partitions), schema);
    }

    private static List<Row> featureRows(float[][] values) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            rows.add(RowFactory.create(i, values[i]));
        }
        return rows;
    }

    private static InferenceTransformer mlp() {
        return new InferenceTransformer().setModelPath(TestModels.MLP.toString()).setBackend("ort-cpu")
                .setInputCols("features").setOutputCols("scores");
    }

    /** The plain engine's output {@code name} for each row, run as one batch. */
    private static float[][] plain(Path model, String name, Map<String, Tensor> inputs, int rows) {
        try (InferenceEngine engine = InferenceEngine.builder().model(model).backend("ort-cpu").build();
             Outputs out = engine.run(inputs)) {
            float[] all = out.get(name).toFloatArray();
            int per = all.length / rows;
            float[][] byRow = new float[rows][];
            for (int r = 0; r < rows; r++) {
                byRow[r] = Arrays.copyOfRange(all, r * per, (r + 1) * per);
            }
            return byRow;
        } finally {
            inputs.values().forEach(Tensor::close);
        }
    }

    private static float[][] plainMlp(float[][] values) {
        float[] flat = new float[values.length * 16];
        for (int r = 0; r < values.length; r++) {
            System.arraycopy(values[r], 0, flat, r * 16, 16);
        }
        return plain(TestModels.MLP, "output", Map.of("input", Tensor.of(flat, values.length, 16)), values.length);
    }

    private static float[] floats(Row row, String column) {
        List<Float> list = row.getList(row.fieldIndex(column));
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    private static void assertScores(List<Row> scored, float[][] expected, String column) {
        assertThat(scored).hasSize(expected.length);
        for (Row row : scored) {
            int id = row.getInt(row.fieldIndex("id"));
            assertThat(floats(row, column)).as("row %d", id).containsExactly(expected[id], within(1e-6f));
        }
    }

    @Test
    void scoresFloatArraysAsThePlainEngineDoesOverPartitionsAndPartialBatches() {
        float[][] values = TestModels.rows(23, 16, 1);
        // 3 partitions of 7 or 8 rows in batches of 3: every partition ends in a partial batch
        Dataset<Row> scored = mlp().setBatchSize(3).transform(frame(featureRows(values), FEATURES, 3));

        assertThat(scored.schema().apply("scores").dataType()).isEqualTo(DataTypes.createArrayType(DataTypes.FloatType, false));
        assertThat(scored.columns()).containsExactly("id", "features", "scores");
        assertScores(scored.collectAsList(), plainMlp(values), "scores");
    }

    @Test
    void doubleArraysAndVectorsFeedAFloatInputAsFloatArraysDo() {
        float[][] values = TestModels.rows(10, 16, 2);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            double[] doubles = new double[16];
            for (int j = 0; j < 16; j++) {
                doubles[j] = values[i][j];
            }
            rows.add(RowFactory.create(i, doubles, Vectors.dense(doubles)));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("doubles", DataTypes.createArrayType(DataTypes.DoubleType)).add("vector", SQLDataTypes.VectorType());
        Dataset<Row> df = frame(rows, schema, 2);
        float[][] expected = plainMlp(values);

        assertScores(mlp().setInputCols("doubles").transform(df).collectAsList(), expected, "scores");
        assertScores(mlp().setInputCols("vector").transform(df).collectAsList(), expected, "scores");
    }

    @Test
    void vectorOutputWritesDenseVectors() {
        float[][] values = TestModels.rows(5, 16, 3);
        List<Row> scored = mlp().setVectorOutput(true).transform(frame(featureRows(values), FEATURES, 2)).collectAsList();
        float[][] expected = plainMlp(values);

        for (Row row : scored) {
            Vector v = row.getAs("scores");
            int id = row.getInt(0);
            assertThat(v.size()).isEqualTo(expected[id].length);
            for (int j = 0; j < v.size(); j++) {
                assertThat(v.apply(j)).isCloseTo(expected[id][j], within(1e-6));
            }
        }
    }

    @Test
    void longAndIntColumnsFeedAnInt64InputAndOutputsOfShapeBatchBecomeScalars() {
        int rowsCount = 9;
        int n = 6;
        int k = 3;
        float[][] x = TestModels.rows(rowsCount, n, 4);
        long[][] idx = new long[rowsCount][k];
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < rowsCount; r++) {
            int[] asInts = new int[k];
            for (int j = 0; j < k; j++) {
                idx[r][j] = (r + 2L * j) % n;
                asInts[j] = (int) idx[r][j];
            }
            rows.add(RowFactory.create(r, x[r], idx[r], asInts));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("x", DataTypes.createArrayType(DataTypes.FloatType))
                .add("idx", DataTypes.createArrayType(DataTypes.LongType)).add("idx32", DataTypes.createArrayType(DataTypes.IntegerType));
        Dataset<Row> df = frame(rows, schema, 2);
        float[] flatX = new float[rowsCount * n];
        long[] flatIdx = new long[rowsCount * k];
        for (int r = 0; r < rowsCount; r++) {
            System.arraycopy(x[r], 0, flatX, r * n, n);
            System.arraycopy(idx[r], 0, flatIdx, r * k, k);
        }
        long[] argmax;
        float[][] gathered;
        try (InferenceEngine engine = InferenceEngine.builder().model(TestModels.INDEX_OPS).backend("ort-cpu").build();
             Tensor tx = Tensor.of(flatX, rowsCount, n);
             Tensor ti = Tensor.of(flatIdx, rowsCount, k);
             Outputs out = engine.run(Map.of("x", tx, "idx", ti))) {
            argmax = out.get("argmax").toLongArray();
            float[] g = out.get("gathered").toFloatArray();
            gathered = new float[rowsCount][];
            for (int r = 0; r < rowsCount; r++) {
                gathered[r] = Arrays.copyOfRange(g, r * k, (r + 1) * k);
            }
        }

        for (String idxColumn : List.of("idx", "idx32")) {
            Dataset<Row> scored = new InferenceTransformer().setModelPath(TestModels.INDEX_OPS.toString()).setBackend("ort-cpu")
                    .setInputCols(idxColumn, "x").setInputNames("idx", "x")
                    .setOutputNames("argmax", "gathered").setOutputCols("best", "picked").setBatchSize(4)
                    .transform(df);

            assertThat(scored.schema().apply("best").dataType()).isEqualTo(DataTypes.LongType);
            for (Row row : scored.collectAsList()) {
                int id = row.getInt(0);
                assertThat(row.getLong(row.fieldIndex("best"))).as("row %d", id).isEqualTo(argmax[id]);
                assertThat(floats(row, "picked")).as("row %d", id).containsExactly(gathered[id], within(1e-6f));
            }
        }
    }

    @Test
    void oneEngineServesEveryTaskAndPartitionOfTheJvm() {
        EngineCache cache = EngineCache.shared();
        cache.closeAll();
        int before = cache.creations();
        float[][] values = TestModels.rows(40, 16, 5);
        InferenceTransformer transformer = mlp().setBatchSize(4);
        Dataset<Row> df = frame(featureRows(values), FEATURES, 8);

        // two actions of 8 tasks each, on two task threads
        assertThat(transformer.transform(df).count()).isEqualTo(40);
        assertScores(transformer.transform(df).collectAsList(), plainMlp(values), "scores");

        assertThat(cache.creations() - before).isEqualTo(1);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void aColumnOfAnotherTypeFailsTheTransformNamingTheColumn() {
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
        Dataset<Row> df = frame(List.of(RowFactory.create(0, "a")), schema, 1);

        assertThatThrownBy(() -> mlp().setInputCols("text").transform(df))
                .isInstanceOfSatisfying(InvalidColumnException.class, e -> assertThat(e.column()).isEqualTo("text"))
                .hasMessageContaining("'text' is string").hasMessageContaining("array<float>");
        assertThatThrownBy(() -> mlp().setInputCols("missing").transformSchema(schema))
                .isInstanceOfSatisfying(InvalidColumnException.class, e -> assertThat(e.column()).isEqualTo("missing"))
                .hasMessageContaining("not in the DataFrame");
    }

    @Test
    void anIntegerInputRefusesAFloatingPointColumnAndTheReverse() {
        StructType schema = new StructType().add("x", DataTypes.createArrayType(DataTypes.FloatType))
                .add("idx", DataTypes.createArrayType(DataTypes.DoubleType));
        InferenceTransformer t = new InferenceTransformer().setModelPath(TestModels.INDEX_OPS.toString()).setBackend("ort-cpu")
                .setInputCols("x", "idx");

        assertThatThrownBy(() -> t.transformSchema(schema))
                .isInstanceOfSatisfying(InvalidColumnException.class, e -> assertThat(e.column()).isEqualTo("idx"))
                .hasMessageContaining("array<double>").hasMessageContaining("INT64").hasMessageContaining("array<long>");
        StructType ints = new StructType().add("f", DataTypes.createArrayType(DataTypes.IntegerType));
        assertThatThrownBy(() -> mlp().setInputCols("f").transformSchema(ints))
                .isInstanceOfSatisfying(InvalidColumnException.class, e -> assertThat(e.column()).isEqualTo("f"))
                .hasMessageContaining("FLOAT32");
    }

    @Test
    void namesAndCountsThatDoNotFitTheModelAreRefusedBeforeAnyTaskRuns() {
        assertThatThrownBy(() -> mlp().setInputCols("id", "features").transformSchema(FEATURES))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("for the model's 1 inputs [input]");
        assertThatThrownBy(() -> mlp().setInputNames("pixels").transformSchema(FEATURES))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no input named 'pixels'");
        assertThatThrownBy(() -> mlp().setOutputNames("logits").transformSchema(FEATURES))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no output named 'logits'");
        assertThatThrownBy(() -> mlp().setOutputCols("features").transformSchema(FEATURES))
                .isInstanceOfSatisfying(InvalidColumnException.class, e -> assertThat(e.column()).isEqualTo("features"))
                .hasMessageContaining("already exists");
        assertThatThrownBy(() -> new InferenceTransformer().setInputCols("features").transformSchema(FEATURES))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("setModelPath");
        assertThatThrownBy(() -> mlp().setModelPath("/nowhere/model.onnx").transformSchema(FEATURES))
                .isInstanceOf(org.infer4j.ModelLoadException.class).hasMessageContaining("/nowhere/model.onnx");
        assertThatThrownBy(() -> mlp().setBatchSize(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNullOrAnArrayOfTheWrongLengthFailsTheTaskNamingTheColumn() {
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType), true);
        Dataset<Row> withNull = frame(List.of(RowFactory.create(0, new float[16]), RowFactory.create(1, null)), schema, 1);
        Dataset<Row> tooShort = frame(List.of(RowFactory.create(0, new float[16]), RowFactory.create(1, new float[15])), schema, 1);

        assertThatThrownBy(() -> mlp().transform(withNull).collectAsList()).isInstanceOf(SparkException.class)
                .rootCause().isInstanceOf(InvalidColumnException.class).hasMessageContaining("'features' is null");
        assertThatThrownBy(() -> mlp().transform(tooShort).collectAsList()).isInstanceOf(SparkException.class)
                .rootCause().isInstanceOf(InvalidColumnException.class)
                .hasMessageContaining("'features' has an array of 15 values").hasMessageContaining("takes 16");
    }

    @Test
    void aPipelineWithTheTransformerSavesAndLoads(@TempDir Path dir) throws Exception {
        float[][] values = TestModels.rows(6, 16, 6);
        Dataset<Row> df = frame(featureRows(values), FEATURES, 2);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {mlp().setBatchSize(5).setVectorOutput(false)});
        PipelineModel model = pipeline.fit(df);
        String path = dir.resolve("pipeline").toString();

        model.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);

        InferenceTransformer stage = (InferenceTransformer) loaded.stages()[0];
        assertThat(stage.getBatchSize()).isEqualTo(5);
        assertThat(stage.getModelPath()).isEqualTo(TestModels.MLP.toString());
        assertScores(loaded.transform(df).collectAsList(), plainMlp(values), "scores");
    }

    @Test
    void aTaskWithoutAnAssignedGpuTakesTheDefaultDevice() {
        List<Integer> devices = spark.range(4).repartition(2).map(
                (org.apache.spark.api.java.function.MapFunction<Long, Integer>) i -> {
                    Integer device = GpuAssignment.deviceIndex(TaskContext.get());
                    return device == null ? -1 : device;
                }, Encoders.INT()).collectAsList();

        assertThat(devices).containsOnly(-1);
    }

    @Test
    void onTheGpuOrtCudaScoresAsOrtCpuDoes() {
        assumeThat(Backends.discover().statuses()).as("ort-cuda available (a GPU machine)")
                .anyMatch(s -> s.name().equals("ort-cuda") && s.isAvailable());
        float[][] values = TestModels.rows(50, 16, 7);

        List<Row> scored = mlp().setBackend("ort-cuda").setBatchSize(16).transform(frame(featureRows(values), FEATURES, 2))
                .collectAsList();

        float[][] expected = plainMlp(values);
        for (Row row : scored) {
            int id = row.getInt(0);
            assertThat(floats(row, "scores")).as("row %d", id).containsExactly(expected[id], within(1e-4f));
        }
    }
}
