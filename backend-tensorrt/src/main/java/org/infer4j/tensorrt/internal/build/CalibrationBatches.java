package org.infer4j.tensorrt.internal.build;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.infer4j.InvalidInputException;
import org.infer4j.MemoryLocation;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * Checks INT8 calibration batches against the model before TensorRT reads them: every batch holds one host
 * tensor per model input, of the input's element type and a shape the input accepts, and every batch has the
 * first batch's shapes, which become the calibration profile (TensorRT calibrates at one shape per input and
 * reads exactly that many bytes from each binding). Immutable and thread-safe.
 */
public final class CalibrationBatches {
    private final List<TensorInfo> inputs;
    private final String modelName;

    /**
     * @param inputs the model's inputs
     * @param modelName the model's name, for messages
     */
    public CalibrationBatches(List<TensorInfo> inputs, String modelName) {
        this.inputs = List.copyOf(inputs);
        this.modelName = modelName;
    }

    /**
     * The shapes of the first batch, which every later batch must have.
     *
     * @param batch the first calibration batch
     * @return each input's shape, in the model's input order
     * @throws InvalidInputException if the batch lacks an input or has a tensor that is no input, or a tensor
     *         lives on the device, or has another element type or a shape the input does not accept
     */
    public Map<String, Shape> shapesOfFirst(Map<String, ? extends Tensor> batch) {
        Set<String> unknown = new TreeSet<>(batch.keySet());
        unknown.removeAll(inputs.stream().map(TensorInfo::name).collect(Collectors.toSet()));
        if (!unknown.isEmpty()) {
            throw new InvalidInputException("INT8 calibration batch 0 has " + unknown + ", which "
                    + (unknown.size() == 1 ? "is not an input" : "are not inputs") + " of " + modelName + "; its inputs are "
                    + inputs);
        }
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (TensorInfo input : inputs) {
            Tensor t = batch.get(input.name());
            if (t == null) {
                throw new InvalidInputException("INT8 calibration batch 0 has no tensor for input '" + input.name() + "' of "
                        + modelName + "; every batch needs one for each of " + inputs);
            }
            if (t.location() != MemoryLocation.HOST) {
                throw new InvalidInputException("INT8 calibration batch 0, input '" + input.name() + "': " + t.describe()
                        + " lives in GPU memory; calibration batches are host tensors");
            }
            if (t.elementType() != input.elementType() || !input.shape().accepts(t.shape())) {
                throw new InvalidInputException("INT8 calibration batch 0, input '" + input.name() + "': " + t.describe()
                        + " does not fit the model's input " + input);
            }
            shapes.put(input.name(), t.shape());
        }
        return shapes;
    }

    /**
     * Checks a later batch against the first one's shapes.
     *
     * @param index the batch's position, for the message
     * @param batch the batch
     * @param shapes the first batch's shapes ({@link #shapesOfFirst})
     * @throws InvalidInputException if the batch's names, element types or shapes differ from the first
     *         batch's, or a tensor lives on the device
     */
    public void requireLike(int index, Map<String, ? extends Tensor> batch, Map<String, Shape> shapes) {
        if (!batch.keySet().equals(shapes.keySet())) {
            throw new InvalidInputException("INT8 calibration batch " + index + " has tensors " + new TreeSet<>(batch.keySet())
                    + " where the model's inputs are " + new TreeSet<>(shapes.keySet()));
        }
        for (TensorInfo input : inputs) {
            Tensor t = Objects.requireNonNull(batch.get(input.name()), "the key sets are equal");
            if (t.location() != MemoryLocation.HOST || t.elementType() != input.elementType()
                    || !t.shape().equals(shapes.get(input.name()))) {
                throw new InvalidInputException("INT8 calibration batch " + index + ", input '" + input.name() + "': "
                        + t.describe() + " where batch 0 had " + input.elementType() + shapes.get(input.name())
                        + " in host memory; every batch must have the same shapes (TensorRT calibrates at one shape)");
            }
        }
    }
}
