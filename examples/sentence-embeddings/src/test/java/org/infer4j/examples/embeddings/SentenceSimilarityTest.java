package org.infer4j.examples.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.infer4j.examples.embeddings.SentenceSimilarity.Batch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example on the zoo's untrained two-layer BERT (vocabulary 1000, 128 positions) with a 308-token WordPiece
 * tokenizer written for it. The model is untrained, so the tests check what holds for any encoder, not which
 * sentences are alike.
 */
class SentenceSimilarityTest {
    static final Path MODEL = Path.of(System.getProperty("models.dir"), "zoo", "tiny", "bert.onnx");
    static final Path TOKENIZER = Path.of("tiny-tokenizer.json");
    static final long PAD = 0;
    static final long CLS = 2;
    static final long SEP = 3;
    static SentenceSimilarity model;

    @BeforeAll
    static void load() throws IOException {
        model = new SentenceSimilarity(MODEL, TOKENIZER);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void padsABatchToItsLongestSentenceAndMasksThePadding() {
        Batch batch = model.encode(List.of("A cat.", "The dog sat on the mat today."));
        assertThat(batch.size()).isEqualTo(2);
        assertThat(batch.length()).as("[CLS] the dog sat on the mat today . [SEP]").isEqualTo(10);
        assertThat(batch.ids()).startsWith(CLS).contains(SEP);
        long[] firstRow = java.util.Arrays.copyOf(batch.ids(), 10);
        long[] firstMask = java.util.Arrays.copyOf(batch.mask(), 10);
        assertThat(firstRow[4]).as("[CLS] a cat . [SEP]").isEqualTo(SEP);
        assertThat(java.util.Arrays.copyOfRange(firstRow, 5, 10)).containsOnly(PAD);
        assertThat(firstMask).containsExactly(1, 1, 1, 1, 1, 0, 0, 0, 0, 0);
        assertThat(java.util.Arrays.copyOfRange(batch.mask(), 10, 20)).containsOnly(1L);
    }

    @Test
    void eachBatchIsAsLongAsItsOwnLongestSentence() {
        assertThat(model.encode(List.of("cats")).length()).isEqualTo(3);
        assertThat(model.encode(List.of("cats", "cats and dogs")).length()).isEqualTo(5);
    }

    @Test
    void wordsOutsideTheVocabularyAreSplitIntoPiecesNotLost() {
        Batch batch = model.encode(List.of("zyx"));
        assertThat(batch.ids()).hasSize(5).doesNotContain(1L); // [CLS] z ##y ##x [SEP], no [UNK]
    }

    @Test
    void paddingDoesNotChangeASentencesEmbedding() {
        float[] alone = model.embed(List.of("the cat sat on the mat"))[0];
        float[] padded = model.embed(List.of("the cat sat on the mat", "a much longer sentence about dogs playing in the park today"))[0];
        assertThat(padded).containsExactly(alone, within(1e-4f));
    }

    @Test
    void aSentenceIsAsSimilarToItselfAsCanBe() {
        float[][] e = model.embed(List.of("I like coffee.", "The train was slow.", "I like coffee."));
        assertThat(e).hasNumberOfRows(3);
        assertThat(e[0]).hasSize(64);
        assertThat(SentenceSimilarity.cosine(e[0], e[2])).isCloseTo(1.0, within(1e-5));
        assertThat(SentenceSimilarity.cosine(e[0], e[1])).isLessThan(1.0 - 1e-4);
    }

    @Test
    void meanPoolingAveragesOnlyTheTokensTheMaskLetsIn() {
        float[] hidden = {1, 2, 3, 4, 100, 100, /* second sentence */ 5, 6, 7, 8, 9, 10};
        float[][] pooled = SentenceSimilarity.meanPool(hidden, new long[] {1, 1, 0, 1, 1, 1}, 2, 3, 2);
        assertThat(pooled[0]).containsExactly(2, 3);
        assertThat(pooled[1]).containsExactly(7, 8);
    }

    @Test
    void cosineIsOneForTheSameDirectionZeroForOrthogonalMinusOneForOpposite() {
        assertThat(SentenceSimilarity.cosine(new float[] {1, 2}, new float[] {2, 4})).isCloseTo(1.0, within(1e-12));
        assertThat(SentenceSimilarity.cosine(new float[] {1, 0}, new float[] {0, 3})).isCloseTo(0.0, within(1e-12));
        assertThat(SentenceSimilarity.cosine(new float[] {1, 2}, new float[] {-1, -2})).isCloseTo(-1.0, within(1e-12));
    }

    @Test
    void noSentencesIsRefused() {
        assertThatThrownBy(() -> model.embed(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no sentences");
    }

    @Test
    void mainPrintsEachSentencesSimilarityToTheFirst() throws IOException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            SentenceSimilarity.main(new String[] {MODEL.toString(), TOKENIZER.toString(), "a cat", "a dog", "a cat"});
        } finally {
            System.setOut(stdout);
        }
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("-?\\d\\.\\d{4}  a dog");
        assertThat(lines.get(1)).isEqualTo("1.0000  a cat");
    }
}
