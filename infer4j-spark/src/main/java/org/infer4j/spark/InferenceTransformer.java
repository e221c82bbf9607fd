package org.infer4j.spark;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.infer4j.InvalidInputException;
import org.infer4j.Precision;
import org.infer4j.spark.internal.EngineSpec;
import org.infer4j.spark.internal.ModelSignature;
import org.infer4j.spark.internal.PartitionScorer;
import org.infer4j.spark.internal.ScoringPlan;

/**
 * A Spark ML {@link Transformer} that scores rows with an ONNX model: it feeds columns to the model's
 * inputs, a batch of rows per engine call, and appends the model's outputs as new columns. Usable on
 * its own or as a stage of a {@code Pipeline}, and saved and loaded with it.
 *
 * <pre>{@code
 * Dataset<Row> scored = new InferenceTransformer()
 *         .setModelPath("/models/mlp.onnx")      // readable on the driver and every executor
 *         .setBackend("ort-cuda")                // or leave it out: the fastest available
 *         .setInputCols("features")              // array<float>, array<double>, vector, array<int>, array<long>
 *         .setOutputCols("scores")
 *         .setBatchSize(256)
 *         .transform(df);
 * }</pre>
 *
 * <p><b>Columns.</b> {@code inputCols} pair with {@code inputNames} (default: the model's inputs in model
 * order). Each row's array (or vector) is that row's slice of the input tensor: the model's first
 * dimension is the batch, and the array holds the rest of the input's shape in row-major order.
 * Floating-point inputs take float, double or vector columns; integer inputs (INT64, INT32, INT8, UINT8)
 * take int or long columns, values out of the input's range failing the task. An output of shape
 * {@code [batch]} becomes a scalar column, any other an array column of the row's elements (float, int,
 * long or boolean), or a dense vector when {@code vectorOutput} is set and the output is floating-point.
 * {@code outputNames} (default: every model output) pair with {@code outputCols} (default: the output names).
 * Wrong columns fail {@link #transform} and {@link #transformSchema} on the driver with an
 * {@link InvalidColumnException} naming the column; nulls and arrays of the wrong length fail the task
 * with one.
 *
 * <p><b>Engines.</b> Each executor JVM builds one engine per model, backend, precision, options and GPU,
 * on first use, and shares it between its task threads ({@link org.infer4j.InferenceEngine#run} may be
 * called from many threads at once) and all later tasks; the engines are closed when the JVM shuts down.
 * A task that Spark gave a GPU ({@code spark.task.resource.gpu.amount}) runs on that device; otherwise the
 * engine takes the builder's default device. The driver reads the model's inputs and outputs to type the
 * output columns, with {@code ort-cpu} where available, so the model file must be readable on the driver too.
 *
 * <p>Like every Spark ML stage, a transformer is configured on one thread and then used; its transform
 * may run while other transforms run.
 */
public final class InferenceTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> modelPath;
    private final Param<String> backend;
    private final Param<String> precision;
    private final StringArrayParam inputCols;
    private final StringArrayParam inputNames;
    private final StringArrayParam outputCols;
    private final StringArrayParam outputNames;
    private final IntParam batchSize;
    private final BooleanParam vectorOutput;
    private final StringArrayParam engineOptions;

    /** A transformer with a random uid and the defaults: automatic backend, FP32, batches of 64 rows. */
    public InferenceTransformer() {
        this(Identifiable.randomUID("infer4j"));
    }

    /**
     * A transformer with the given uid, as Spark ML's loading and copying make them.
     *
     * @param uid the stage's unique id
     */
    public InferenceTransformer(String uid) {
        this.uid = uid;
        modelPath = new Param<>(this, "modelPath", "the ONNX model file, at a path the driver and every executor can read");
        backend = new Param<>(this, "backend", "the infer4j backend (e.g. ort-cpu, ort-cuda, tensorrt), or empty for the "
                + "automatic choice");
        precision = new Param<>(this, "precision", "arithmetic precision: FP32 or FP16",
                ParamValidators.inArray(new String[] {"FP32", "FP16"}));
        inputCols = new StringArrayParam(this, "inputCols", "the columns that feed the model's inputs");
        inputNames = new StringArrayParam(this, "inputNames", "the model input each input column feeds; empty: the model's "
                + "inputs in model order");
        outputCols = new StringArrayParam(this, "outputCols", "the columns to write the outputs to; empty: the output names");
        outputNames = new StringArrayParam(this, "outputNames", "the model outputs to write; empty: all, in model order");
        batchSize = new IntParam(this, "batchSize", "rows per engine call (a model with a fixed batch dimension takes that many)",
                ParamValidators.gtEq(1));
        vectorOutput = new BooleanParam(this, "vectorOutput", "write floating-point outputs of several values per row as "
                + "Spark ML vectors instead of array<float>");
        engineOptions = new StringArrayParam(this, "engineOptions", "untyped engine options as key=value "
                + "(EngineBuilder.option)");
        setDefault(backend, "");
        setDefault(precision, "FP32");
        setDefault(inputNames, new String[0]);
        setDefault(outputCols, new String[0]);
        setDefault(outputNames, new String[0]);
        setDefault(batchSize, 64);
        setDefault(vectorOutput, false);
        setDefault(engineOptions, new String[0]);
    }

    /**
     * The reader of saved transformers: Spark ML calls this static method when it loads a saved pipeline
     * that contains one.
     *
     * @return a reader of transformers saved with {@link #write()}
     */
    public static MLReader<InferenceTransformer> read() {
        return new DefaultParamsReader<>();
    }

    /**
     * Loads a transformer saved with {@code write().save(path)}.
     *
     * @param path where it was saved
     * @return the transformer
     */
    public static InferenceTransformer load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    // ---- parameters, in Spark ML's style: the Param, its setter and its getter ----------------------

    /** @return the model file parameter */
    public Param<String> modelPath() {
        return modelPath;
    }

    /**
     * @param path the ONNX model file, at a path the driver and every executor can read
     * @return this
     */
    public InferenceTransformer setModelPath(String path) {
        set(modelPath, path);
        return this;
    }

    /** @return the model file */
    public String getModelPath() {
        return getOrDefault(modelPath);
    }

    /** @return the backend parameter */
    public Param<String> backend() {
        return backend;
    }

    /**
     * @param name an infer4j backend (e.g. {@code ort-cpu}, {@code ort-cuda}, {@code tensorrt}), or empty for the
     *     automatic choice on each executor (the default)
     * @return this
     */
    public InferenceTransformer setBackend(String name) {
        set(backend, name);
        return this;
    }

    /** @return the backend, empty for the automatic choice */
    public String getBackend() {
        return getOrDefault(backend);
    }

    /** @return the precision parameter */
    public Param<String> precision() {
        return precision;
    }

    /**
     * @param value the arithmetic precision (default {@link Precision#FP32})
     * @return this
     */
    public InferenceTransformer setPrecision(Precision value) {
        set(precision, value.name());
        return this;
    }

    /** @return the precision */
    public Precision getPrecision() {
        return Precision.valueOf(getOrDefault(precision));
    }

    /** @return the input columns parameter */
    public StringArrayParam inputCols() {
        return inputCols;
    }

    /**
     * @param columns the columns that feed the model's inputs, one per input
     * @return this
     */
    public InferenceTransformer setInputCols(String... columns) {
        set(inputCols, columns.clone());
        return this;
    }

    /** @return the input columns */
    public String[] getInputCols() {
        return getOrDefault(inputCols).clone();
    }

    /** @return the input names parameter */
    public StringArrayParam inputNames() {
        return inputNames;
    }

    /**
     * @param names the model input each input column feeds, pairwise; empty (the default): the model's inputs in
     *     model order
     * @return this
     */
    public InferenceTransformer setInputNames(String... names) {
        set(inputNames, names.clone());
        return this;
    }

    /** @return the input names, empty for the model's order */
    public String[] getInputNames() {
        return getOrDefault(inputNames).clone();
    }

    /** @return the output columns parameter */
    public StringArrayParam outputCols() {
        return outputCols;
    }

    /**
     * @param columns the columns to write, one per output name; empty (the default): named after the outputs
     * @return this
     */
    public InferenceTransformer setOutputCols(String... columns) {
        set(outputCols, columns.clone());
        return this;
    }

    /** @return the output columns, empty for the output names */
    public String[] getOutputCols() {
        return getOrDefault(outputCols).clone();
    }

    /** @return the output names parameter */
    public StringArrayParam outputNames() {
        return outputNames;
    }

    /**
     * @param names the model outputs to write; empty (the default): all of them, in model order
     * @return this
     */
    public InferenceTransformer setOutputNames(String... names) {
        set(outputNames, names.clone());
        return this;
    }

    /** @return the output names, empty for all */
    public String[] getOutputNames() {
        return getOrDefault(outputNames).clone();
    }

    /** @return the batch size parameter */
    public IntParam batchSize() {
        return batchSize;
    }

    /**
     * @param rows rows per engine call (default 64); the last batch of a partition holds what is left
     * @return this
     * @throws IllegalArgumentException if {@code rows} is less than 1
     */
    public InferenceTransformer setBatchSize(int rows) {
        set(batchSize, rows);
        return this;
    }

    /** @return the batch size */
    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    /** @return the vector output parameter */
    public BooleanParam vectorOutput() {
        return vectorOutput;
    }

    /**
     * @param enabled whether floating-point outputs of several values per row become Spark ML vectors (default
     *     false: array&lt;float&gt;)
     * @return this
     */
    public InferenceTransformer setVectorOutput(boolean enabled) {
        set(vectorOutput, enabled);
        return this;
    }

    /** @return whether floating-point outputs become vectors */
    public boolean getVectorOutput() {
        return (Boolean) getOrDefault(vectorOutput);
    }

    /** @return the engine options parameter */
    public StringArrayParam engineOptions() {
        return engineOptions;
    }

    /**
     * @param options untyped engine options ({@code EngineBuilder.option}), each as {@code key=value}
     * @return this
     */
    public InferenceTransformer setEngineOptions(Map<String, String> options) {
        set(engineOptions, options.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new));
        return this;
    }

    /**
     * @return the engine options by key
     * @throws InvalidInputException if an entry of the parameter (set directly, not through
     *     {@link #setEngineOptions}) is not {@code key=value}
     */
    public Map<String, String> getEngineOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        for (String option : getOrDefault(engineOptions)) {
            int eq = option.indexOf('=');
            if (eq < 1) {
                throw new InvalidInputException("engine option '" + option + "' is not key=value");
            }
            options.put(option.substring(0, eq), option.substring(eq + 1));
        }
        return options;
    }

    // ---- the transform -------------------------------------------------------------------------------

    /**
     * Appends the model's outputs to each row. Lazy, as every transform: the scoring runs in the tasks of
     * the action that uses the result.
     *
     * @param dataset the rows to score
     * @return the rows with the output columns appended
     * @throws InvalidColumnException if an input column is missing or of a type that cannot feed its input, or an
     *     output column exists already
     * @throws InvalidInputException if the parameters do not fit the model (names, counts, batch size)
     * @throws org.infer4j.ModelLoadException if the driver cannot read the model
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        ScoringPlan plan = plan(dataset.schema());
        return dataset.toDF().mapPartitions(new PartitionScorer(plan), Encoders.row(plan.outputSchema()));
    }

    /**
     * The schema {@link #transform} produces, checked as it checks it.
     *
     * @param schema the input schema
     * @return the input schema followed by the output columns
     * @throws InvalidColumnException as {@link #transform} does
     * @throws InvalidInputException as {@link #transform} does
     */
    @Override
    public StructType transformSchema(StructType schema) {
        return plan(schema).outputSchema();
    }

    /**
     * @param extra parameters to override
     * @return a copy with the same uid and parameters, overridden by {@code extra}
     */
    @Override
    public InferenceTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    private ScoringPlan plan(StructType schema) {
        if (!isDefined(modelPath)) {
            throw new InvalidInputException("no model given; call setModelPath with the ONNX file");
        }
        if (!isDefined(inputCols)) {
            throw new InvalidInputException("no input columns given; call setInputCols with the columns that feed the model");
        }
        String backendName = getBackend();
        EngineSpec spec = new EngineSpec(getModelPath(), backendName.isBlank() ? null : backendName.trim(), getPrecision(),
                getEngineOptions());
        ScoringPlan.Request request = new ScoringPlan.Request(List.of(getInputCols()), List.of(getInputNames()),
                List.of(getOutputCols()), List.of(getOutputNames()), getBatchSize(), getVectorOutput());
        return ScoringPlan.of(spec, ModelSignature.of(spec), schema, request);
    }

    @Override
    public String toString() {
        return "InferenceTransformer " + uid + " (" + (isDefined(modelPath) ? getModelPath() : "no model") + ", inputs "
                + (isDefined(inputCols) ? Arrays.toString(getInputCols()) : "unset") + ")";
    }
}
