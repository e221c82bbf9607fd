package org.infer4j.spark.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.infer4j.ElementType;
import org.infer4j.Precision;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.spark.InvalidColumnException;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/** How a partition's rows become engine calls, against an engine that echoes its input. */
class BatchScorerTest {
    private static final EngineSpec SPEC = new EngineSpec("/models/echo.onnx", "echo", Precision.FP32, Map.of());

    /** Rows of one column {@code x}, holding Scala sequences as Spark's rows do. */
    private static List<Row> rows(Object[]... arrays) {
        List<Row> rows = new ArrayList<>();
        for (Object[] array : arrays) {
            rows.add(RowFactory.create(CollectionConverters.asScala(Arrays.asList(array))));
        }
        return rows;
    }

    private static Object[] floats(int from, int count) {
        Object[] values = new Object[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (from + i);
        }
        return values;
    }

    private static ScoringPlan plan(EchoEngine engine, DataType element, int batchSize) {
        StructType schema = new StructType().add("x", DataTypes.createArrayType(element));
        return ScoringPlan.of(SPEC, engine.signature(), schema,
                new ScoringPlan.Request(List.of("x"), List.of(), List.of("y"), List.of(), batchSize, false));
    }

    private static List<Row> drain(Iterator<Row> scored) {
        List<Row> out = new ArrayList<>();
        scored.forEachRemaining(out::add);
        return out;
    }

    private static float[] firstRow(float[] run, int width) {
        float[] row = new float[width];
        System.arraycopy(run, 0, row, 0, width);
        return row;
    }

    @Test
    void rowsGoInBatchesOfTheBatchSizeAndTheLastBatchHoldsTheRest() {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN, 2);
        List<Row> input = new ArrayList<>();
        for (int r = 0; r < 7; r++) {
            input.addAll(rows(floats(10 * r, 2)));
        }

        List<Row> scored = drain(new BatchScorer(engine, plan(engine, DataTypes.FloatType, 3), input.iterator()));

        assertThat(engine.runShapes).containsExactly(new long[] {3, 2}, new long[] {3, 2}, new long[] {1, 2});
        assertThat(scored).hasSize(7);
        for (int r = 0; r < 7; r++) {
            assertThat(scored.get(r).get(0)).isSameAs(input.get(r).get(0));
            assertThat((float[]) scored.get(r).get(1)).containsExactly(10f * r, 10f * r + 1);
        }
    }

    @Test
    void rowsAreReadABatchAtATimeNotAllAtOnce() {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN, 2);
        List<Row> input = new ArrayList<>();
        for (int r = 0; r < 10; r++) {
            input.addAll(rows(floats(r, 2)));
        }
        int[] read = {0};
        Iterator<Row> counting = new Iterator<>() {
            private final Iterator<Row> rows = input.iterator();

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                read[0]++;
                return rows.next();
            }
        };

        BatchScorer scorer = new BatchScorer(engine, plan(engine, DataTypes.FloatType, 4), counting);
        scorer.next();

        assertThat(read[0]).isEqualTo(4);
        scorer.close();
    }

    @Test
    void aModelWithAFixedBatchGetsFullBatchesTheLastPaddedWithZeros() {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT32, 4, 2);
        List<Row> input = new ArrayList<>();
        for (int r = 0; r < 6; r++) {
            input.addAll(rows(floats(1 + 10 * r, 2)));
        }

        // the batch size asked for gives way to the model's
        List<Row> scored = drain(new BatchScorer(engine, plan(engine, DataTypes.FloatType, 100), input.iterator()));

        assertThat(engine.runShapes).containsExactly(new long[] {4, 2}, new long[] {4, 2});
        assertThat(engine.runFloats.get(1)).containsExactly(41, 42, 51, 52, 0, 0, 0, 0);
        assertThat(scored).hasSize(6);
        assertThat((float[]) scored.get(5).get(1)).containsExactly(51, 52);
    }

    @Test
    void anUnknownRowDimensionIsTakenFromEachBatchsFirstRow() {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN, Shape.UNKNOWN);
        List<Row> input = rows(floats(0, 3), floats(3, 3), floats(6, 5), floats(11, 5));

        List<Row> scored = drain(new BatchScorer(engine, plan(engine, DataTypes.FloatType, 2), input.iterator()));

        assertThat(engine.runShapes).containsExactly(new long[] {2, 3}, new long[] {2, 5});
        assertThat((float[]) scored.get(2).get(1)).containsExactly(6, 7, 8, 9, 10);
        assertThat(firstRow(engine.runFloats.get(0), 3)).containsExactly(0, 1, 2);
    }

    @Test
    void rowsOfOneBatchThatDisagreeOnTheUnknownDimensionFailNamingTheColumn() {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN, Shape.UNKNOWN);
        List<Row> input = rows(floats(0, 3), floats(3, 4));

        assertThatThrownBy(() -> drain(new BatchScorer(engine, plan(engine, DataTypes.FloatType, 2), input.iterator())))
                .isInstanceOfSatisfying(InvalidColumnException.class, e -> assertThat(e.column()).isEqualTo("x"))
                .hasMessageContaining("array of 4 values").hasMessageContaining("rows of a batch must agree");
    }

    @Test
    void anOutputOfShapeBatchIsOneValuePerRow() {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN);
        List<Row> input = rows(floats(7, 1), floats(8, 1), floats(9, 1));

        List<Row> scored = drain(new BatchScorer(engine, plan(engine, DataTypes.FloatType, 2), input.iterator()));

        assertThat(scored).extracting(r -> r.get(1)).containsExactly(7f, 8f, 9f);
    }

    @Test
    void halfPrecisionInputsTakeFloatColumnsAndComeBackAsFloats() {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT16, Shape.UNKNOWN, 2);
        List<Row> input = rows(new Object[] {0.5f, -2f}, new Object[] {1024f, 0.25f});

        List<Row> scored = drain(new BatchScorer(engine, plan(engine, DataTypes.FloatType, 8), input.iterator()));

        assertThat((float[]) scored.get(0).get(1)).containsExactly(0.5f, -2f);
        assertThat((float[]) scored.get(1).get(1)).containsExactly(1024f, 0.25f);
    }

    @Test
    void integerColumnsFillNarrowerIntegerInputsWhenTheValuesFit() {
        for (ElementType type : List.of(ElementType.INT32, ElementType.INT8, ElementType.UINT8)) {
            EchoEngine engine = new EchoEngine(type, Shape.UNKNOWN, 2);
            long low = type == ElementType.UINT8 ? 0 : type == ElementType.INT8 ? -128 : Integer.MIN_VALUE;
            long high = type == ElementType.UINT8 ? 255 : type == ElementType.INT8 ? 127 : Integer.MAX_VALUE;
            List<Row> input = rows(new Object[] {low, high});

            List<Row> scored = drain(new BatchScorer(engine, plan(engine, DataTypes.LongType, 8), input.iterator()));

            assertThat((int[]) scored.get(0).get(1)).as("%s", type).containsExactly((int) low, (int) high);
        }
    }

    @Test
    void anIntegerThatANarrowerInputCannotHoldFailsNamingColumnAndRange() {
        EchoEngine engine = new EchoEngine(ElementType.UINT8, Shape.UNKNOWN, 2);
        List<Row> input = rows(new Object[] {1L, 2L}, new Object[] {3L, 256L});

        assertThatThrownBy(() -> drain(new BatchScorer(engine, plan(engine, DataTypes.LongType, 8), input.iterator())))
                .isInstanceOfSatisfying(InvalidColumnException.class, e -> assertThat(e.column()).isEqualTo("x"))
                .hasMessageContaining("holds 256 (row 1 of its batch)").hasMessageContaining("0 to 255");
    }

    @Test
    void int64InputsTakeIntAndLongColumns() {
        EchoEngine engine = new EchoEngine(ElementType.INT64, Shape.UNKNOWN, 2);

        List<Row> fromInts = drain(new BatchScorer(engine, plan(engine, DataTypes.IntegerType, 8),
                rows(new Object[] {1, -2}).iterator()));
        List<Row> fromLongs = drain(new BatchScorer(engine, plan(engine, DataTypes.LongType, 8),
                rows(new Object[] {Long.MAX_VALUE, 0L}).iterator()));

        assertThat((long[]) fromInts.get(0).get(1)).containsExactly(1, -2);
        assertThat((long[]) fromLongs.get(0).get(1)).containsExactly(Long.MAX_VALUE, 0);
    }

    @Test
    void aNullElementFailsNamingTheColumn() {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN, 2);
        List<Row> input = rows(new Object[] {1f, null});

        assertThatThrownBy(() -> drain(new BatchScorer(engine, plan(engine, DataTypes.FloatType, 8), input.iterator())))
                .isInstanceOfSatisfying(InvalidColumnException.class, e -> assertThat(e.column()).isEqualTo("x"))
                .hasMessageContaining("null element");
    }

    @Test
    void inputTensorsAreFreedWhenTheRowsRunOutOrTheTaskEndsEarly() {
        EchoEngine engine = new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN, 2);
        List<Row> input = rows(floats(0, 2), floats(2, 2), floats(4, 2));
        drain(new BatchScorer(engine, plan(engine, DataTypes.FloatType, 2), input.iterator()));

        assertThat(engine.allocated).hasSize(2).allMatch(Tensor::isClosed);

        EchoEngine stopped = new EchoEngine(ElementType.FLOAT32, Shape.UNKNOWN, 2);
        BatchScorer scorer = new BatchScorer(stopped, plan(stopped, DataTypes.FloatType, 2), input.iterator());
        scorer.next();
        scorer.close();

        assertThat(stopped.allocated).hasSize(1).allMatch(Tensor::isClosed);
        assertThat(scorer.hasNext()).isFalse();
    }
}
