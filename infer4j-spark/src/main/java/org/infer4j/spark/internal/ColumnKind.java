package org.infer4j.spark.internal;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.jspecify.annotations.Nullable;

/** The column types that feed a model input, each with the model element types it can fill. */
public enum ColumnKind {
    FLOAT_ARRAY(true),
    DOUBLE_ARRAY(true),
    /** A Spark ML {@code Vector}, dense or sparse. */
    VECTOR(true),
    INT_ARRAY(false),
    LONG_ARRAY(false);

    /** The column types accepted, for messages. */
    static final String ACCEPTED = "array<float>, array<double>, vector (Spark ML), array<int> or array<long>";

    private final boolean floatingPoint;

    ColumnKind(boolean floatingPoint) {
        this.floatingPoint = floatingPoint;
    }

    /** Whether the column holds floating-point values (and so feeds FLOAT32, FLOAT16 or BFLOAT16 inputs). */
    boolean floatingPoint() {
        return floatingPoint;
    }

    /**
     * The kind of a column of type {@code type}.
     *
     * @return the kind, or null when the type cannot feed a model input
     */
    static @Nullable ColumnKind of(DataType type) {
        if (SQLDataTypes.VectorType().equals(type)) {
            return VECTOR;
        }
        if (type instanceof ArrayType array) {
            DataType element = array.elementType();
            if (element.equals(DataTypes.FloatType)) {
                return FLOAT_ARRAY;
            }
            if (element.equals(DataTypes.DoubleType)) {
                return DOUBLE_ARRAY;
            }
            if (element.equals(DataTypes.IntegerType)) {
                return INT_ARRAY;
            }
            if (element.equals(DataTypes.LongType)) {
                return LONG_ARRAY;
            }
        }
        return null;
    }
}
