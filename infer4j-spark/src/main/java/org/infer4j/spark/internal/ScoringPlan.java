package org.infer4j.spark.internal;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.infer4j.ElementType;
import org.infer4j.InvalidInputException;
import org.infer4j.Shape;
import org.infer4j.TensorInfo;
import org.infer4j.spark.InvalidColumnException;

/**
 * How one transform scores: which column feeds which model input, which output becomes which column,
 * and the batch size. Made and checked on the driver against the DataFrame's schema and the model's
 * signature, so that a wrong column fails the transform before any task runs; shipped to the executors.
 *
 * <p>The first dimension of every model input and output is the batch: row {@code r} of a batch is
 * slice {@code r} of each tensor. The other dimensions are a row's shape; at most one of them may be
 * unknown in the model, and is then taken from each batch's first row (all rows of a batch must agree).
 * A model whose batch dimension is fixed is given batches of exactly that size, the last one padded
 * with zeros and the padding's outputs dropped.
 *
 * @param spec the engine to score with
 * @param inputs one binding per model input
 * @param outputs one binding per output column, in column order
 * @param batchRows the rows per engine call
 * @param fixedBatch whether the model fixes its batch dimension ({@code batchRows} is then that size)
 * @param inputWidth the number of columns of the input rows, which output rows keep in front
 * @param outputSchema the input schema followed by the output columns
 */
public record ScoringPlan(EngineSpec spec, List<InputBinding> inputs, List<OutputBinding> outputs, int batchRows,
        boolean fixedBatch, int inputWidth, StructType outputSchema) implements Serializable {

    /**
     * One column feeding one model input.
     *
     * @param rowShape the model input's shape without its batch dimension; at most one {@link Shape#UNKNOWN}
     */
    public record InputBinding(String column, int columnIndex, ColumnKind kind, String inputName, ElementType elementType,
            long[] rowShape) implements Serializable {

        /** The product of the known dimensions of a row. */
        long knownElements() {
            long n = 1;
            for (long d : rowShape) {
                n *= d == Shape.UNKNOWN ? 1 : d;
            }
            return n;
        }

        /** Whether one dimension of a row is unknown, to be taken from the data. */
        boolean hasUnknownDimension() {
            return Arrays.stream(rowShape).anyMatch(d -> d == Shape.UNKNOWN);
        }
    }

    /** How an output's per-row slice is written to its column. */
    public enum OutputForm {
        /** A model output of shape {@code [batch]}: one value per row. */
        SCALAR,
        /** An array column of the row's elements in row-major order. */
        ARRAY,
        /** A Spark ML dense vector of the row's elements (floating-point outputs, when asked for). */
        VECTOR
    }

    /** One model output written to one column. */
    public record OutputBinding(String outputName, String column, ElementType elementType, OutputForm form)
            implements Serializable {
    }

    /**
     * What the caller asked for, as the transformer's parameters hold it.
     *
     * @param inputCols the columns that feed the model
     * @param inputNames the model input each column feeds, or empty for the model's inputs in model order
     * @param outputCols the columns to write, or empty for the output names
     * @param outputNames the model outputs to write, or empty for all, in model order
     * @param batchSize rows per engine call (ignored when the model fixes its batch dimension)
     * @param vectorOutput whether floating-point outputs of more than one value per row become vector columns
     */
    public record Request(List<String> inputCols, List<String> inputNames, List<String> outputCols, List<String> outputNames,
            int batchSize, boolean vectorOutput) {
        public Request {
            inputCols = List.copyOf(inputCols);
            inputNames = List.copyOf(inputNames);
            outputCols = List.copyOf(outputCols);
            outputNames = List.copyOf(outputNames);
        }
    }

    public ScoringPlan {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * Checks a request against a schema and a model and plans the scoring.
     *
     * @param spec the engine the executors will build
     * @param signature the model's inputs and outputs
     * @param schema the schema of the DataFrame to score
     * @param request the column mapping and batch size
     * @return the plan
     * @throws InvalidColumnException if an input column is missing or of a type that cannot feed its model input,
     *     or an output column already exists
     * @throws InvalidInputException if the names or their counts do not fit the model, the batch size is not
     *     positive, or an input or output has no batch dimension
     */
    public static ScoringPlan of(EngineSpec spec, ModelSignature signature, StructType schema, Request request) {
        Objects.requireNonNull(spec, "spec");
        if (request.batchSize() < 1) {
            throw new InvalidInputException("batchSize must be at least 1, not " + request.batchSize());
        }
        List<InputBinding> inputs = bindInputs(signature, schema, request);
        long fixed = fixedBatch(signature);
        List<OutputBinding> outputs = bindOutputs(signature, schema, request);
        StructType outputSchema = schema;
        for (OutputBinding o : outputs) {
            outputSchema = outputSchema.add(new StructField(o.column(), sparkType(o), false, Metadata.empty()));
        }
        int batchRows = fixed > 0 ? Math.toIntExact(fixed) : request.batchSize();
        return new ScoringPlan(spec, inputs, outputs, batchRows, fixed > 0, schema.fields().length, outputSchema);
    }

    private static List<InputBinding> bindInputs(ModelSignature signature, StructType schema, Request request) {
        List<TensorInfo> modelInputs = signature.inputs();
        List<String> columns = request.inputCols();
        List<String> names = request.inputNames().isEmpty()
                ? modelInputs.stream().map(TensorInfo::name).toList() : request.inputNames();
        if (columns.isEmpty()) {
            throw new InvalidInputException("no input columns given; set inputCols to the columns that feed the model's inputs "
                    + names(modelInputs));
        }
        if (columns.size() != names.size()) {
            throw new InvalidInputException(request.inputNames().isEmpty()
                    ? columns.size() + " input columns " + columns + " for the model's " + modelInputs.size() + " inputs "
                            + names(modelInputs) + "; give one column per model input, or set inputNames to say which input each feeds"
                    : columns.size() + " input columns " + columns + " but " + names.size() + " input names " + names
                            + "; inputCols and inputNames pair up, so give as many of each");
        }
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        modelInputs.forEach(i -> byName.put(i.name(), i));
        Set<String> fed = new HashSet<>();
        List<InputBinding> bindings = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            String column = columns.get(i);
            TensorInfo input = byName.get(names.get(i));
            if (input == null) {
                throw new InvalidInputException("the model has no input named '" + names.get(i) + "'; its inputs are "
                        + names(modelInputs));
            }
            if (!fed.add(input.name())) {
                throw new InvalidInputException("model input '" + input.name() + "' is fed by two columns; give each input one column");
            }
            int index = columnIndex(schema, column, "input");
            ColumnKind kind = ColumnKind.of(schema.fields()[index].dataType());
            String found = schema.fields()[index].dataType().simpleString();
            if (kind == null) {
                throw new InvalidColumnException(column, "input column '" + column + "' is " + found
                        + ", which cannot feed a tensor; use a column of " + ColumnKind.ACCEPTED);
            }
            checkFeeds(column, found, kind, input);
            bindings.add(new InputBinding(column, index, kind, input.name(), input.elementType(), rowShape(input)));
        }
        List<String> unfed = modelInputs.stream().map(TensorInfo::name).filter(n -> !fed.contains(n)).toList();
        if (!unfed.isEmpty()) {
            throw new InvalidInputException("no column feeds model input(s) " + unfed + "; add them to inputNames with their columns");
        }
        return bindings;
    }

    private static void checkFeeds(String column, String found, ColumnKind kind, TensorInfo input) {
        ElementType type = input.elementType();
        boolean floatingInput = type.isFloatingPoint();
        boolean integerInput = type == ElementType.INT64 || type == ElementType.INT32 || type == ElementType.INT8
                || type == ElementType.UINT8;
        if (!floatingInput && !integerInput) {
            throw new InvalidColumnException(column, "model input '" + input.name() + "' is " + type
                    + ", which no column type feeds; the Spark integration feeds floating-point and integer inputs");
        }
        if (kind.floatingPoint() != floatingInput) {
            throw new InvalidColumnException(column, "input column '" + column + "' is " + found + " but model input '"
                    + input.name() + "' is " + type + "; feed it a column of "
                    + (floatingInput ? "array<float>, array<double> or vector" : "array<int> or array<long>")
                    + " (cast the column, e.g. col(\"" + column + "\").cast(\""
                    + (floatingInput ? "array<float>" : "array<long>") + "\"))");
        }
    }

    private static long[] rowShape(TensorInfo input) {
        Shape shape = input.shape();
        if (shape.rank() == 0) {
            throw new InvalidInputException("model input " + input + " is a scalar, with no batch dimension to put rows along; "
                    + "the Spark integration feeds models whose inputs have the batch as their first dimension");
        }
        long[] row = Arrays.copyOfRange(shape.toArray(), 1, shape.rank());
        if (Arrays.stream(row).filter(d -> d == Shape.UNKNOWN).count() > 1) {
            throw new InvalidInputException("model input " + input + " has more than one unknown dimension besides the batch; "
                    + "a row's array fills at most one unknown dimension (export the model with the other dimensions fixed)");
        }
        return row;
    }

    private static long fixedBatch(ModelSignature signature) {
        long fixed = Shape.UNKNOWN;
        for (TensorInfo input : signature.inputs()) {
            long d = input.shape().dim(0);
            if (d != Shape.UNKNOWN) {
                if (fixed != Shape.UNKNOWN && fixed != d) {
                    throw new InvalidInputException("the model's inputs fix different batch sizes (" + names(signature.inputs())
                            + ": " + signature.inputs() + "); rows cannot be batched along their first dimension");
                }
                if (d == 0) {
                    throw new InvalidInputException("model input " + input + " fixes its batch dimension at 0 rows");
                }
                fixed = d;
            }
        }
        return fixed;
    }

    private static List<OutputBinding> bindOutputs(ModelSignature signature, StructType schema, Request request) {
        List<TensorInfo> modelOutputs = signature.outputs();
        List<String> names = request.outputNames().isEmpty()
                ? modelOutputs.stream().map(TensorInfo::name).toList() : request.outputNames();
        List<String> columns = request.outputCols().isEmpty() ? names : request.outputCols();
        if (columns.size() != names.size()) {
            throw new InvalidInputException(columns.size() + " output columns " + columns + " for " + names.size()
                    + " outputs " + names + (request.outputNames().isEmpty() ? " (all of the model's)" : "")
                    + "; give one column per output, or set outputNames to the outputs to write");
        }
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        modelOutputs.forEach(o -> byName.put(o.name(), o));
        Set<String> taken = new HashSet<>(Arrays.asList(schema.fieldNames()));
        List<OutputBinding> bindings = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            TensorInfo output = byName.get(names.get(i));
            if (output == null) {
                throw new InvalidInputException("the model has no output named '" + names.get(i) + "'; its outputs are "
                        + names(modelOutputs));
            }
            String column = columns.get(i);
            if (!taken.add(column)) {
                throw new InvalidColumnException(column, "output column '" + column + "' already exists; "
                        + "name the output columns (outputCols) differently from the DataFrame's columns and from each other");
            }
            if (output.shape().rank() == 0) {
                throw new InvalidInputException("model output " + output + " is a scalar, with no batch dimension to split "
                        + "into rows; leave it out of outputNames");
            }
            OutputForm form = output.shape().rank() == 1 ? OutputForm.SCALAR
                    : request.vectorOutput() && output.elementType().isFloatingPoint() ? OutputForm.VECTOR : OutputForm.ARRAY;
            bindings.add(new OutputBinding(output.name(), column, output.elementType(), form));
        }
        return bindings;
    }

    private static int columnIndex(StructType schema, String column, String role) {
        String[] fields = schema.fieldNames();
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].equals(column)) {
                return i;
            }
        }
        throw new InvalidColumnException(column, role + " column '" + column + "' is not in the DataFrame, whose columns are "
                + Arrays.toString(fields));
    }

    /** The Spark type of an output column. */
    static DataType sparkType(OutputBinding output) {
        if (output.form() == OutputForm.VECTOR) {
            return SQLDataTypes.VectorType();
        }
        DataType element = switch (output.elementType()) {
            case FLOAT32, FLOAT16, BFLOAT16 -> DataTypes.FloatType;
            case INT8, UINT8, INT32 -> DataTypes.IntegerType;
            case INT64 -> DataTypes.LongType;
            case BOOL -> DataTypes.BooleanType;
        };
        return output.form() == OutputForm.SCALAR ? element : DataTypes.createArrayType(element, false);
    }

    private static List<String> names(List<TensorInfo> infos) {
        return infos.stream().map(TensorInfo::name).toList();
    }
}
