package org.infer4j.bench.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.infer4j.InferenceEngine;
import org.infer4j.Tensor;

/** Named tensors owned together, in the order given: closing the map closes every tensor. Not thread-safe. */
public record TensorMap(Map<String, Tensor> tensors) implements AutoCloseable {

    public TensorMap {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /**
     * Copies of {@code sources} in the memory {@code engine} reads fastest (page-locked host
     * memory for GPU backends that offer it), made with {@link InferenceEngine#allocate}.
     */
    public static TensorMap copiesFor(InferenceEngine engine, Map<String, Tensor> sources) {
        Map<String, Tensor> copies = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Tensor> e : sources.entrySet()) {
                Tensor copy = engine.allocate(e.getKey(), e.getValue().shape().toArray());
                copies.put(e.getKey(), copy);
                copy.copyFrom(e.getValue());
            }
            return new TensorMap(copies);
        } catch (RuntimeException e) {
            copies.values().forEach(Tensor::close);
            throw e;
        }
    }

    @Override
    public void close() {
        tensors.values().forEach(Tensor::close);
    }
}
