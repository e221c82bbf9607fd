package org.infer4j.tensorrt.internal.build;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.infer4j.InvalidInputException;

/**
 * Which layers of a parsed network the names of {@code Int8Calibration.keepFp32} pick. TensorRT's ONNX parser
 * names a layer after its ONNX node and its output tensors after the node's outputs, so a name picks the
 * layer of that name, or the layer that produces the tensor of that name. Stateless.
 */
public final class Fp32Layers {
    /** Layers named in a message that lists what the network has, at most. */
    private static final int LISTED = 12;

    /**
     * A layer's name and the names of its output tensors.
     *
     * @param name the layer's name
     * @param outputs its output tensors' names
     */
    public record Layer(String name, List<String> outputs) {
        public Layer {
            outputs = List.copyOf(outputs);
        }
    }

    private Fp32Layers() {
    }

    /**
     * The positions of the layers that {@code names} pick.
     *
     * @param layers the network's layers, in order
     * @param names the layer or tensor names to keep in FP32
     * @param modelName the model's name, for the message
     * @return the positions of the picked layers, ascending
     * @throws InvalidInputException if a name picks no layer, naming it and some of the layers there are
     */
    public static List<Integer> pick(List<Layer> layers, Set<String> names, String modelName) {
        Set<String> unmatched = new TreeSet<>(names);
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            boolean byName = names.contains(layer.name());
            boolean byOutput = layer.outputs().stream().anyMatch(names::contains);
            if (byName || byOutput) {
                picked.add(i);
                unmatched.remove(layer.name());
                layer.outputs().forEach(unmatched::remove);
            }
        }
        if (!unmatched.isEmpty()) {
            List<String> some = layers.stream().limit(LISTED).map(Layer::name).toList();
            throw new InvalidInputException("Int8Calibration.keepFp32 names " + unmatched + ", which " + modelName
                    + " has no layer or tensor of; layers are named after the ONNX nodes, e.g. " + some
                    + (layers.size() > LISTED ? " (" + layers.size() + " in all)" : ""));
        }
        return picked;
    }
}
