package org.infer4j.spark.internal;

import java.util.Collections;
import java.util.Iterator;
import java.util.Objects;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.TaskCompletionListener;
import org.infer4j.InferenceEngine;

/**
 * The function each task runs over its partition: takes this JVM's engine for the plan on the GPU
 * Spark gave the task (building it if this is the first task to need it) and scores the rows in batches.
 * Holds only the plan, so it is small to ship.
 */
public final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final ScoringPlan plan;

    /** @param plan what to score and how */
    public PartitionScorer(ScoringPlan plan) {
        this.plan = Objects.requireNonNull(plan, "plan");
    }

    /**
     * @param rows the partition's rows
     * @return the rows, each followed by its output columns, computed a batch at a time as they are read
     */
    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        TaskContext task = TaskContext.get();
        InferenceEngine engine = EngineCache.shared().get(plan.spec(), GpuAssignment.deviceIndex(task));
        BatchScorer scorer = new BatchScorer(engine, plan, rows);
        if (task != null) {
            // frees the input tensors also when the task fails or stops reading early (a limit)
            task.addTaskCompletionListener((TaskCompletionListener) context -> scorer.close());
        }
        return scorer;
    }
}
