package org.infer4j.bench.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.infer4j.Shape;
import org.infer4j.ShapeRange;
import org.infer4j.TensorInfo;
import org.jspecify.annotations.Nullable;

/**
 * One set of input shapes to measure: what a batch size and sequence length (or explicit
 * {@code --shape}s) make of a model's inputs. Immutable.
 *
 * @param batch the number of samples one run handles: the batch size inputs took, or else the
 *        first dimension of the first input
 * @param seqLen the sequence length, or null where no input took it
 * @param shapes every input's shape, in model order
 */
public record Workload(int batch, @Nullable Integer seqLen, Map<String, long[]> shapes) {

    public Workload {
        shapes = Collections.unmodifiableMap(new LinkedHashMap<>(shapes));
    }

    /**
     * Every distinct workload of the batch sizes × sequence lengths, in that order; combinations
     * that give the same shapes (a sequence length for a model without sequences) appear once.
     *
     * @param batches the batch sizes, or empty for the model's own (1 where it leaves the batch open)
     * @param seqLens the sequence lengths; empty if none was asked for
     * @throws org.infer4j.InvalidInputException if the shapes cannot be decided; see {@link InputShapes}
     */
    public static List<Workload> all(List<TensorInfo> inputs, List<Integer> batches, List<Integer> seqLens,
                                     Map<String, long[]> overrides) {
        List<@Nullable Integer> batchChoices = batches.isEmpty() ? nullList() : new ArrayList<>(batches);
        List<@Nullable Integer> seqChoices = seqLens.isEmpty() ? nullList() : new ArrayList<>(seqLens);
        boolean takesSequence = inputs.stream().anyMatch(i -> !overrides.containsKey(i.name()) && i.shape().rank() >= 2
                && i.shape().dim(1) == Shape.UNKNOWN);
        Map<String, Workload> distinct = new LinkedHashMap<>();
        for (Integer batch : batchChoices) {
            for (Integer seqLen : seqChoices) {
                Map<String, long[]> shapes = InputShapes.resolve(inputs, new InputShapes.Request(batch, seqLen, overrides));
                Workload w = new Workload(batchOf(inputs, overrides, batch, shapes), takesSequence ? seqLen : null, shapes);
                distinct.putIfAbsent(w.describe(), w);
            }
        }
        return List.copyOf(distinct.values());
    }

    /** The requested batch where an input takes it; otherwise the first dimension of the first input that has one. */
    private static int batchOf(List<TensorInfo> inputs, Map<String, long[]> overrides, @Nullable Integer requested,
                               Map<String, long[]> shapes) {
        if (InputShapes.takesBatch(inputs, overrides)) {
            return requested != null ? requested : 1;
        }
        return shapes.values().stream().filter(s -> s.length > 0).mapToInt(s -> Math.toIntExact(s[0])).findFirst().orElse(1);
    }

    /**
     * Shape ranges that cover every workload, for each input the model leaves open: TensorRT
     * backends compile for them (optimised for the largest).
     */
    public static Map<String, ShapeRange> ranges(List<TensorInfo> inputs, List<Workload> workloads) {
        Map<String, ShapeRange> ranges = new LinkedHashMap<>();
        for (TensorInfo info : inputs) {
            if (info.shape().isStatic() || workloads.isEmpty()) {
                continue;
            }
            long[] min = workloads.get(0).shapes().get(info.name()).clone();
            long[] max = min.clone();
            for (Workload w : workloads) {
                long[] s = w.shapes().get(info.name());
                for (int d = 0; d < s.length; d++) {
                    min[d] = Math.min(min[d], s[d]);
                    max[d] = Math.max(max[d], s[d]);
                }
            }
            ranges.put(info.name(), ShapeRange.of(min, max, max));
        }
        return ranges;
    }

    /** Like {@code input_ids=1x128 attention_mask=1x128}. */
    public String describe() {
        return shapes.entrySet().stream().map(e -> e.getKey() + "=" + InputShapes.format(e.getValue()))
                .collect(Collectors.joining(" "));
    }

    private static List<@Nullable Integer> nullList() {
        List<@Nullable Integer> list = new ArrayList<>();
        list.add(null);
        return list;
    }
}
