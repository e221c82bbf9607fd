package org.infer4j.examples.embeddings;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * Sentence embeddings with a BERT-style encoder exported to ONNX (e.g. all-MiniLM-L6-v2 exported by Hugging Face's
 * optimum): tokenises a batch of sentences with the model's own {@code tokenizer.json} (Hugging Face's tokenizers
 * through DJL's binding), padded to the batch's longest sentence, runs the encoder, averages each sentence's token
 * vectors over its attention mask, and prints every sentence's cosine similarity to the first.
 *
 * <pre>SentenceSimilarity MODEL.onnx TOKENIZER.json SENTENCE SENTENCE...</pre>
 *
 * <p>Not thread-safe: one instance per thread, or guard it.
 */
public final class SentenceSimilarity implements AutoCloseable {
    /** Sentences are cut at this many tokens; all-MiniLM-L6-v2 was trained on 128. */
    static final int MAX_TOKENS = 128;

    private final HuggingFaceTokenizer tokenizer;
    private final InferenceEngine engine;

    /** Token ids, attention mask and token types of a batch, each row-major [batch, seq]. */
    record Batch(int size, int length, long[] ids, long[] mask, long[] types) {}

    /**
     * Loads the tokenizer and the model, on the automatic backend choice.
     *
     * @throws IOException if the tokenizer file cannot be read
     * @throws org.infer4j.InferenceException if the model cannot be loaded
     */
    public SentenceSimilarity(Path model, Path tokenizerJson) throws IOException {
        tokenizer = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
                .optPadding(true).optTruncation(true).optMaxLength(MAX_TOKENS).build();
        try {
            engine = InferenceEngine.builder().model(model).build();
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: SentenceSimilarity MODEL.onnx TOKENIZER.json SENTENCE SENTENCE...");
            System.exit(2);
        }
        List<String> sentences = List.of(args).subList(2, args.length);
        try (SentenceSimilarity model = new SentenceSimilarity(Path.of(args[0]), Path.of(args[1]))) {
            float[][] embeddings = model.embed(sentences);
            for (int i = 1; i < embeddings.length; i++) {
                System.out.printf("%.4f  %s%n", cosine(embeddings[0], embeddings[i]), sentences.get(i));
            }
        }
    }

    /**
     * One embedding per sentence: the mean of its token vectors.
     *
     * @throws IllegalArgumentException if there are no sentences, or the model has an input this program cannot feed
     */
    public float[][] embed(List<String> sentences) {
        Batch batch = encode(sentences);
        Map<String, long[]> byInputName = Map.of("input_ids", batch.ids(), "attention_mask", batch.mask(),
                "token_type_ids", batch.types());
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        try {
            for (TensorInfo input : engine.inputs()) {
                long[] values = byInputName.get(input.name());
                if (values == null) {
                    throw new IllegalArgumentException("the model has an input '" + input.name() + "'; this program feeds "
                            + byInputName.keySet() + ", as BERT-style encoders take them");
                }
                inputs.put(input.name(), Tensor.of(values, batch.size(), batch.length()));
            }
            try (Outputs out = engine.run(inputs)) {
                Tensor tokens = out.get(engine.outputs().get(0).name()); // [batch, seq, hidden]
                return meanPool(tokens.toFloatArray(), batch.mask(), batch.size(), batch.length(),
                        Math.toIntExact(tokens.shape().dim(2)));
            }
        } finally {
            inputs.values().forEach(Tensor::close);
        }
    }

    /** Tokenises the sentences, padded to the longest (its length is the batch's). */
    Batch encode(List<String> sentences) {
        if (sentences.isEmpty()) {
            throw new IllegalArgumentException("no sentences given; give at least one");
        }
        Encoding[] encodings = tokenizer.batchEncode(sentences);
        return new Batch(encodings.length, encodings[0].getIds().length, rows(encodings, Encoding::getIds),
                rows(encodings, Encoding::getAttentionMask), rows(encodings, Encoding::getTypeIds));
    }

    private static long[] rows(Encoding[] encodings, Function<Encoding, long[]> column) {
        return Arrays.stream(encodings).map(column).flatMapToLong(Arrays::stream).toArray();
    }

    /** The mean over each row's positions whose mask is 1 of {@code hidden}, row-major [batch, seq, dim]. */
    static float[][] meanPool(float[] hidden, long[] mask, int batch, int seq, int dim) {
        float[][] pooled = new float[batch][dim];
        for (int b = 0; b < batch; b++) {
            int counted = 0;
            for (int s = 0; s < seq; s++) {
                if (mask[b * seq + s] != 0) {
                    counted++;
                    for (int d = 0; d < dim; d++) {
                        pooled[b][d] += hidden[(b * seq + s) * dim + d];
                    }
                }
            }
            for (int d = 0; d < dim; d++) {
                pooled[b][d] /= Math.max(counted, 1);
            }
        }
        return pooled;
    }

    /** The cosine of the angle between a and b: 1 for the same direction, 0 for orthogonal, -1 for opposite. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(normA * normB);
    }

    /** Closes the engine and the tokenizer's native side. */
    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            tokenizer.close();
        }
    }
}
