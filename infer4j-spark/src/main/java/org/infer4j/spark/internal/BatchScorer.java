package org.infer4j.spark.internal;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.infer4j.ElementType;
import org.infer4j.InferenceEngine;
import org.infer4j.InvalidInputException;
import org.infer4j.MemoryLocation;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.spark.InvalidColumnException;
import org.infer4j.spark.internal.ScoringPlan.InputBinding;
import org.infer4j.spark.internal.ScoringPlan.OutputBinding;
import org.infer4j.spark.internal.ScoringPlan.OutputForm;
import org.jspecify.annotations.Nullable;
import scala.collection.Seq;

/**
 * Scores one partition: reads up to a batch of rows, writes their input columns into one tensor per
 * model input, runs the engine once, and returns each row followed by its slice of every output.
 * Rows are read lazily, a batch at a time, so a partition is never held whole; the last batch holds
 * what is left (or, for a model with a fixed batch size, is padded with zero rows).
 *
 * <p>Input tensors are allocated with {@link InferenceEngine#allocate} (page-locked memory on GPU
 * backends) and reused from batch to batch while their shape stays the same; {@link #close()} frees
 * them, and runs when the rows run out or the task ends. Used by the one task thread that iterates it.
 */
final class BatchScorer implements Iterator<Row>, AutoCloseable {
    private final InferenceEngine engine;
    private final ScoringPlan plan;
    private final Iterator<Row> rows;
    private final Row[] batch;
    private final Object[][] outputValues;
    private final @Nullable Tensor[] inputTensors;
    private final Map<String, Tensor> feed = new HashMap<>();
    private int batchCount;
    private int next;
    private boolean closed;

    BatchScorer(InferenceEngine engine, ScoringPlan plan, Iterator<Row> rows) {
        this.engine = engine;
        this.plan = plan;
        this.rows = rows;
        this.batch = new Row[plan.batchRows()];
        this.outputValues = new Object[plan.outputs().size()][plan.batchRows()];
        this.inputTensors = new Tensor[plan.inputs().size()];
    }

    @Override
    public boolean hasNext() {
        if (closed) {
            return false;
        }
        if (next < batchCount) {
            return true;
        }
        if (!rows.hasNext()) {
            close();
            return false;
        }
        scoreNextBatch();
        return true;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the partition has no more rows");
        }
        Row row = batch[next];
        Object[] values = new Object[plan.inputWidth() + outputValues.length];
        for (int c = 0; c < plan.inputWidth(); c++) {
            values[c] = row.get(c);
        }
        for (int o = 0; o < outputValues.length; o++) {
            values[plan.inputWidth() + o] = outputValues[o][next];
        }
        next++; // the row stays referenced until the next batch overwrites it
        return RowFactory.create(values);
    }

    /** Frees the input tensors; idempotent. */
    @Override
    public void close() {
        closed = true;
        for (int i = 0; i < inputTensors.length; i++) {
            Tensor t = inputTensors[i];
            if (t != null) {
                t.close();
                inputTensors[i] = null;
            }
        }
    }

    private void scoreNextBatch() {
        int count = 0;
        while (count < batch.length && rows.hasNext()) {
            batch[count++] = rows.next();
        }
        batchCount = count;
        next = 0;
        int tensorRows = plan.fixedBatch() ? plan.batchRows() : count;
        feed.clear();
        for (int i = 0; i < inputTensors.length; i++) {
            InputBinding input = plan.inputs().get(i);
            long[] shape = tensorShape(input, tensorRows, count);
            Tensor tensor = inputTensors[i];
            if (tensor == null || !Arrays.equals(tensor.shape().toArray(), shape)) {
                if (tensor != null) {
                    tensor.close();
                }
                inputTensors[i] = null;
                tensor = engine.allocate(input.inputName(), shape);
                inputTensors[i] = tensor;
            }
            fill(tensor, input, count);
            feed.put(input.inputName(), tensor);
        }
        try (Outputs out = engine.run(feed)) {
            for (int o = 0; o < outputValues.length; o++) {
                OutputBinding output = plan.outputs().get(o);
                read(out.get(output.outputName()), output, tensorRows, count, outputValues[o]);
            }
        }
    }

    /** The input's tensor shape for this batch; an unknown row dimension is taken from the first row. */
    private long[] tensorShape(InputBinding input, int tensorRows, int count) {
        long[] shape = new long[input.rowShape().length + 1];
        shape[0] = tensorRows;
        System.arraycopy(input.rowShape(), 0, shape, 1, input.rowShape().length);
        if (input.hasUnknownDimension()) {
            int length = length(input, batch[0]);
            long known = input.knownElements();
            if (length == 0 || length % known != 0) {
                throw new InvalidColumnException(input.column(), "column '" + input.column() + "' has an array of " + length
                        + " values, which does not fill model input '" + input.inputName() + "' of row shape "
                        + Shape.of(input.rowShape()) + " (a multiple of " + known + " values is needed)");
            }
            for (int d = 1; d < shape.length; d++) {
                if (shape[d] == Shape.UNKNOWN) {
                    shape[d] = length / known;
                }
            }
        }
        return shape;
    }

    // ---- inputs: one row's array into its slice of the tensor ---------------------------------------

    private void fill(Tensor tensor, InputBinding input, int count) {
        int rowElements = Math.toIntExact(tensor.elementCount() / tensor.shape().dim(0));
        int total = Math.toIntExact(tensor.elementCount());
        ElementType type = input.elementType();
        if (type == ElementType.FLOAT32) {
            ByteBuffer target = tensor.buffer();
            FloatBuffer values = target.asFloatBuffer();
            for (int r = 0; r < count; r++) {
                checkLength(input, r, rowElements);
                writeFloats(input, batch[r], values, r * rowElements, rowElements);
            }
            zeroPadding(target, count * rowElements * type.byteSize());
        } else if (type == ElementType.INT64) {
            ByteBuffer target = tensor.buffer();
            LongBuffer values = target.asLongBuffer();
            for (int r = 0; r < count; r++) {
                checkLength(input, r, rowElements);
                writeLongs(input, batch[r], values, r * rowElements, rowElements);
            }
            zeroPadding(target, count * rowElements * type.byteSize());
        } else if (input.kind().floatingPoint()) {
            float[] staging = new float[total];
            FloatBuffer values = FloatBuffer.wrap(staging);
            for (int r = 0; r < count; r++) {
                checkLength(input, r, rowElements);
                writeFloats(input, batch[r], values, r * rowElements, rowElements);
            }
            long[] shape = tensor.shape().toArray();
            try (Tensor half = type == ElementType.FLOAT16 ? Tensor.ofFloat16(staging, shape) : Tensor.ofBFloat16(staging, shape)) {
                tensor.copyFrom(half);
            }
        } else {
            long[] staging = new long[total];
            LongBuffer values = LongBuffer.wrap(staging);
            for (int r = 0; r < count; r++) {
                checkLength(input, r, rowElements);
                writeLongs(input, batch[r], values, r * rowElements, rowElements);
            }
            narrow(input, staging, tensor.buffer(), rowElements);
        }
    }

    private static void zeroPadding(ByteBuffer target, int from) {
        for (int b = from; b < target.limit(); b++) {
            target.put(b, (byte) 0);
        }
    }

    private void checkLength(InputBinding input, int r, int rowElements) {
        int length = length(input, batch[r]);
        if (length != rowElements) {
            throw new InvalidColumnException(input.column(), "column '" + input.column() + "' has an array of " + length
                    + " values in a row where model input '" + input.inputName() + "' takes " + rowElements
                    + (input.hasUnknownDimension() ? " (as the batch's first row has; rows of a batch must agree)"
                            : " (row shape " + Shape.of(input.rowShape()) + ")"));
        }
    }

    private static int length(InputBinding input, Row row) {
        Object value = value(input, row);
        return value instanceof Vector v ? v.size() : ((Seq<?>) value).length();
    }

    private static Object value(InputBinding input, Row row) {
        Object value = row.get(input.columnIndex());
        if (value == null) {
            throw new InvalidColumnException(input.column(), "column '" + input.column() + "' is null in a row; "
                    + "drop or fill such rows first (e.g. df.na().drop(new String[] {\"" + input.column() + "\"}))");
        }
        return value;
    }

    private static void writeFloats(InputBinding input, Row row, FloatBuffer target, int offset, int n) {
        Object value = value(input, row);
        if (value instanceof Vector vector) {
            double[] values = vector instanceof DenseVector dense ? dense.values() : vector.toArray();
            for (int j = 0; j < n; j++) {
                target.put(offset + j, (float) values[j]);
            }
        } else {
            Seq<?> seq = (Seq<?>) value;
            for (int j = 0; j < n; j++) {
                target.put(offset + j, element(input, seq, j).floatValue());
            }
        }
    }

    private static void writeLongs(InputBinding input, Row row, LongBuffer target, int offset, int n) {
        Seq<?> seq = (Seq<?>) value(input, row);
        for (int j = 0; j < n; j++) {
            target.put(offset + j, element(input, seq, j).longValue());
        }
    }

    private static Number element(InputBinding input, Seq<?> seq, int j) {
        Object element = seq.apply(j);
        if (element == null) {
            throw new InvalidColumnException(input.column(), "column '" + input.column() + "' has a null element in an array; "
                    + "a tensor has no place for nulls, so fill them first (e.g. with transform(col, x -> coalesce(x, lit(0))))");
        }
        return (Number) element;
    }

    /** Writes integer values into a tensor of a narrower type, refusing values that do not fit. */
    private static void narrow(InputBinding input, long[] values, ByteBuffer target, int rowElements) {
        ElementType type = input.elementType();
        long min = switch (type) {
            case INT32 -> Integer.MIN_VALUE;
            case INT8 -> Byte.MIN_VALUE;
            default -> 0;
        };
        long max = switch (type) {
            case INT32 -> Integer.MAX_VALUE;
            case INT8 -> Byte.MAX_VALUE;
            default -> 255;
        };
        IntBuffer ints = type == ElementType.INT32 ? target.asIntBuffer() : null;
        for (int i = 0; i < values.length; i++) {
            long v = values[i];
            if (v < min || v > max) {
                throw new InvalidColumnException(input.column(), "column '" + input.column() + "' holds " + v + " (row "
                        + i / rowElements + " of its batch), which " + type + " model input '" + input.inputName()
                        + "' cannot hold (" + min + " to " + max + ")");
            }
            if (ints != null) {
                ints.put(i, (int) v);
            } else {
                target.put(i, (byte) v);
            }
        }
    }

    // ---- outputs: each row's slice of a tensor into a column value ----------------------------------

    private static void read(Tensor tensor, OutputBinding output, int tensorRows, int count, Object[] into) {
        Shape shape = tensor.shape();
        if (shape.rank() == 0 || shape.dim(0) != tensorRows) {
            throw new InvalidInputException("model output '" + output.outputName() + "' came back with shape " + shape
                    + " for a batch of " + tensorRows + " rows; its first dimension is not the batch, so it cannot be split "
                    + "into rows: leave it out of outputNames");
        }
        int per = Math.toIntExact(tensor.elementCount() / tensorRows);
        boolean host = tensor.location() == MemoryLocation.HOST;
        switch (output.elementType()) {
            case FLOAT32, FLOAT16, BFLOAT16 -> {
                FloatBuffer values = host && output.elementType() == ElementType.FLOAT32
                        ? tensor.buffer().asFloatBuffer() : FloatBuffer.wrap(tensor.toFloatArray());
                for (int r = 0; r < count; r++) {
                    into[r] = switch (output.form()) {
                        case SCALAR -> values.get(r);
                        case ARRAY -> {
                            float[] row = new float[per];
                            values.get(r * per, row);
                            yield row;
                        }
                        case VECTOR -> {
                            double[] row = new double[per];
                            for (int j = 0; j < per; j++) {
                                row[j] = values.get(r * per + j);
                            }
                            yield Vectors.dense(row);
                        }
                    };
                }
            }
            case INT64 -> {
                LongBuffer values = host ? tensor.buffer().asLongBuffer() : LongBuffer.wrap(tensor.toLongArray());
                for (int r = 0; r < count; r++) {
                    if (output.form() == OutputForm.SCALAR) {
                        into[r] = values.get(r);
                    } else {
                        long[] row = new long[per];
                        values.get(r * per, row);
                        into[r] = row;
                    }
                }
            }
            case INT32, INT8, UINT8 -> {
                IntBuffer values = host && output.elementType() == ElementType.INT32
                        ? tensor.buffer().asIntBuffer() : IntBuffer.wrap(tensor.toIntArray());
                for (int r = 0; r < count; r++) {
                    if (output.form() == OutputForm.SCALAR) {
                        into[r] = values.get(r);
                    } else {
                        int[] row = new int[per];
                        values.get(r * per, row);
                        into[r] = row;
                    }
                }
            }
            case BOOL -> {
                boolean[] values = tensor.toBooleanArray();
                for (int r = 0; r < count; r++) {
                    into[r] = output.form() == OutputForm.SCALAR ? values[r] : Arrays.copyOfRange(values, r * per, (r + 1) * per);
                }
            }
        }
    }
}
