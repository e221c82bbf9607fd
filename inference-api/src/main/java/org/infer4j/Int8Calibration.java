package org.infer4j;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Representative inputs for INT8 post-training calibration, given to
 * {@link EngineBuilder#int8Calibration(Int8Calibration)} with {@link Precision#INT8}.
 *
 * <pre>{@code
 * List<Map<String, Tensor>> batches = ...;   // e.g. 16 batches of 32 preprocessed images each
 * Int8Calibration calibration = Int8Calibration.builder(batches)
 *         .keepFp32("/fc/Gemm")              // a layer whose INT8 error matters most
 *         .build();
 * InferenceEngine engine = InferenceEngine.builder().model(path).backend("tensorrt")
 *         .precision(Precision.INT8).int8Calibration(calibration).build();
 * }</pre>
 *
 * <p><b>Batches.</b> Each element of {@link #batches()} is one calibration batch: a tensor for every model
 * input, by name, all batches of the same shapes; their first dimension is the calibration batch size.
 * TensorRT runs the FP32 network over every batch and picks each tensor's INT8 scale by entropy calibration,
 * so the batches should look like production inputs (a few hundred samples in all is typical); random data
 * gives scales that fit random data. Tensors must be host tensors. They stay the caller's: infer4j reads them
 * while {@code build()} runs and closes none of them.
 *
 * <p><b>Caching.</b> The calibration result (TensorRT's calibration table) is stored in the engine cache,
 * named by the model and {@link #identity()}; a later build with the same identity reuses it without reading
 * a single batch, and {@code ort-tensorrt} runs INT8 with that same table. The identity is the SHA-256 of the
 * batches' names, types, shapes and bytes unless {@link Builder#identity(String)} gives one: then infer4j
 * trusts it, and a caller that changes the data must change it.
 *
 * <p>Immutable apart from the identity, computed once on first use; safe to share between threads as long
 * as the batches' tensors are not written meanwhile.
 */
public final class Int8Calibration {
    private final Iterable<? extends Map<String, ? extends Tensor>> batches;
    private final Set<String> fp32Layers;
    private final @Nullable String givenIdentity;
    private volatile @Nullable String identity;

    private Int8Calibration(Builder b) {
        this.batches = b.batches;
        this.fp32Layers = Collections.unmodifiableSet(new TreeSet<>(b.fp32Layers));
        this.givenIdentity = b.identity;
    }

    /**
     * A builder for the calibration over {@code batches}.
     *
     * @param batches the calibration batches, each a tensor for every model input by name; iterated once per
     *                calibration run and once for the identity unless one is given
     * @return the builder
     * @throws NullPointerException if {@code batches} is null
     */
    public static Builder builder(Iterable<? extends Map<String, ? extends Tensor>> batches) {
        return new Builder(Objects.requireNonNull(batches, "batches"));
    }

    /**
     * The calibration batches, as given.
     *
     * @return the batches
     */
    public Iterable<? extends Map<String, ? extends Tensor>> batches() {
        return batches;
    }

    /**
     * Names of layers (ONNX node names) or tensors (the layer that produces them) that run in FP32 while the
     * rest runs in INT8 or FP16; sorted.
     *
     * @return the names, possibly empty
     */
    public Set<String> fp32Layers() {
        return fp32Layers;
    }

    /**
     * What identifies the calibration data: the identity given to the builder, else {@code sha256:} and the
     * digest of every batch's input names, element types, shapes and bytes, in order (computed on the first
     * call, reading every batch once).
     *
     * @return the identity, never empty
     * @throws InvalidInputException if there are no batches, a batch has no tensors, or a tensor lives on
     *         the device
     */
    public String identity() {
        String id = identity;
        if (id == null) {
            id = givenIdentity != null ? givenIdentity : "sha256:" + digestOfBatches();
            identity = id;
        }
        return id;
    }

    /**
     * The file name of this calibration's table for one model, the same for every backend: a table written
     * by {@code tensorrt} is found under it by {@code ort-tensorrt}.
     *
     * @param modelDigest the model's SHA-256, as {@code EngineConfig.modelDigest()} gives it
     * @return {@code int8-}, a SHA-256 of the model digest and {@link #identity()}, and {@code .calibration}
     * @throws InvalidInputException as {@link #identity()} does
     */
    public String tableName(String modelDigest) {
        MessageDigest sha = sha256();
        for (String field : new String[] {modelDigest, identity()}) {
            byte[] b = field.getBytes(StandardCharsets.UTF_8);
            sha.update((b.length + ":").getBytes(StandardCharsets.US_ASCII)); // no two fields run together
            sha.update(b);
        }
        return "int8-" + HexFormat.of().formatHex(sha.digest()) + ".calibration";
    }

    @Override
    public String toString() {
        return "Int8Calibration{identity=" + (givenIdentity != null ? givenIdentity : "<digest of the batches>")
                + ", fp32Layers=" + fp32Layers + "}";
    }

    private String digestOfBatches() {
        MessageDigest sha = sha256();
        Iterator<? extends Map<String, ? extends Tensor>> it = batches.iterator();
        if (!it.hasNext()) {
            throw new InvalidInputException("the INT8 calibration has no batches; give at least one batch of "
                    + "representative inputs (a few hundred samples in all is typical)");
        }
        int index = 0;
        while (it.hasNext()) {
            Map<String, ? extends Tensor> batch = it.next();
            if (batch == null || batch.isEmpty()) {
                throw new InvalidInputException("INT8 calibration batch " + index + " has no tensors; each batch maps "
                        + "every model input's name to a tensor");
            }
            for (Map.Entry<String, ? extends Tensor> e : new TreeMap<String, Tensor>(batch).entrySet()) {
                Tensor t = e.getValue();
                if (t.location() != MemoryLocation.HOST) {
                    throw new InvalidInputException("INT8 calibration batch " + index + ", input '" + e.getKey()
                            + "': " + t.describe() + " lives in GPU memory; calibration reads host tensors");
                }
                sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update((t.elementType() + Arrays.toString(t.shape().toArray())).getBytes(StandardCharsets.US_ASCII));
                ByteBuffer bytes = t.buffer();
                sha.update(bytes.duplicate().clear());
            }
            index++;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Not thread-safe. */
    public static final class Builder {
        private final Iterable<? extends Map<String, ? extends Tensor>> batches;
        private final Set<String> fp32Layers = new TreeSet<>();
        private @Nullable String identity;

        private Builder(Iterable<? extends Map<String, ? extends Tensor>> batches) {
            this.batches = batches;
        }

        /**
         * Layers or tensors to keep in FP32: a name is an ONNX node's name (TensorRT names its layers after
         * them) or the name of a tensor, meaning the layer that produces it. A build fails, naming them, if a
         * name matches nothing in the model.
         *
         * @param layerOrTensorNames the names; added to those given before
         * @return this builder
         * @throws IllegalArgumentException if a name is blank
         * @throws NullPointerException if a name is null
         */
        public Builder keepFp32(String... layerOrTensorNames) {
            for (String name : layerOrTensorNames) {
                if (Objects.requireNonNull(name, "layer or tensor name").isBlank()) {
                    throw new IllegalArgumentException("a layer or tensor name to keep in FP32 must not be blank");
                }
                fp32Layers.add(name);
            }
            return this;
        }

        /**
         * Names the calibration data, so that the cache key need not be computed by reading every batch;
         * change it whenever the data changes, or a stale calibration table is reused.
         *
         * @param identity e.g. {@code "imagenet-val-512-v1"}
         * @return this builder
         * @throws IllegalArgumentException if {@code identity} is blank
         * @throws NullPointerException if {@code identity} is null
         */
        public Builder identity(String identity) {
            if (Objects.requireNonNull(identity, "identity").isBlank()) {
                throw new IllegalArgumentException("a calibration identity must not be blank");
            }
            this.identity = identity;
            return this;
        }

        /**
         * The calibration.
         *
         * @return a new, immutable calibration
         */
        public Int8Calibration build() {
            return new Int8Calibration(this);
        }
    }
}
