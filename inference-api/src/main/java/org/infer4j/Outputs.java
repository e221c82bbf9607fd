package org.infer4j;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The named output tensors of one {@link InferenceEngine#run(Map)} call, in model order. It owns
 * them: closing it closes every tensor. Not thread-safe.
 */
public final class Outputs implements AutoCloseable, Iterable<Map.Entry<String, Tensor>> {
    private final Map<String, Tensor> tensors;
    private boolean closed;

    private Outputs(Map<String, Tensor> tensors) {
        this.tensors = tensors;
    }

    /** Takes ownership of {@code tensors} (for backends). */
    public static Outputs of(Map<String, ? extends Tensor> tensors) {
        return new Outputs(Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tensors, "tensors"))));
    }

    /**
     * The output called {@code name}.
     *
     * @throws IllegalArgumentException naming the valid outputs, if there is none by that name
     */
    public Tensor get(String name) {
        ensureOpen();
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no output named '" + name + "'; outputs are " + tensors.keySet());
        }
        return t;
    }

    /** The output names, in model order. */
    public Set<String> names() {
        ensureOpen();
        return tensors.keySet();
    }

    /** An unmodifiable view by name; the tensors stay owned by this object. */
    public Map<String, Tensor> asMap() {
        ensureOpen();
        return tensors;
    }

    @Override
    public Iterator<Map.Entry<String, Tensor>> iterator() {
        ensureOpen();
        return tensors.entrySet().iterator();
    }

    /** Closes every output tensor; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            tensors.values().forEach(Tensor::close);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("these outputs are closed");
        }
    }
}
