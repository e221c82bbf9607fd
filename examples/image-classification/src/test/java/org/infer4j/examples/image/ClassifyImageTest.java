package org.infer4j.examples.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.infer4j.InferenceEngine;
import org.infer4j.examples.image.ClassifyImage.Prediction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example on the shipped untrained 16x16 CNN (four classes), on ort-cpu. */
class ClassifyImageTest {
    static final Path MODEL = Path.of(System.getProperty("models.dir"), "cnn_tiny.onnx");
    static final Path LABELS = Path.of("tiny-labels.txt");
    static final Path SAMPLE = Path.of("sample.png");
    static InferenceEngine engine;

    @BeforeAll
    static void loadModel() {
        engine = InferenceEngine.builder().model(MODEL).backend("ort-cpu").build();
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    @Test
    void aSolidColourBecomesItsNormalisedValueInEveryPixelOfItsPlane() {
        float[] nchw = ClassifyImage.toNchw(filled(40, 30, new Color(255, 0, 51)), 16, 16);
        assertThat(nchw).hasSize(3 * 16 * 16);
        float[] expected = {(1 - 0.485f) / 0.229f, (0 - 0.456f) / 0.224f, (0.2f - 0.406f) / 0.225f};
        for (int i = 0; i < nchw.length; i++) {
            assertThat(nchw[i]).as("element %d", i).isCloseTo(expected[i / 256], within(1e-5f));
        }
    }

    @Test
    void planesAreRowMajorAndKeepLeftAndRight() {
        BufferedImage image = filled(64, 64, Color.BLUE);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 32, 64);
        g.dispose();
        float[] nchw = ClassifyImage.toNchw(image, 16, 16);
        int red = 0;
        int blue = 2 * 256;
        int rowEight = 8 * 16;
        assertThat(nchw[red + rowEight]).as("red at the left").isGreaterThan(2f);
        assertThat(nchw[red + rowEight + 15]).as("no red at the right").isLessThan(-2f);
        assertThat(nchw[blue + rowEight + 15]).as("blue at the right").isGreaterThan(2f);
    }

    @Test
    void aWideImageIsCroppedToItsCentre() {
        BufferedImage image = filled(300, 100, Color.BLACK);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(100, 0, 100, 100);
        g.dispose();
        float[] nchw = ClassifyImage.toNchw(image, 16, 16);
        for (int i = 0; i < nchw.length; i++) {
            float white = (1 - ClassifyImage.MEAN[i / 256]) / ClassifyImage.STD[i / 256];
            assertThat(nchw[i]).as("element %d of the central square", i).isCloseTo(white, within(1e-5f));
        }
    }

    @Test
    void softmaxGivesProbabilitiesInTheRatioOfTheExponentials() {
        assertThat(ClassifyImage.softmax(new float[] {0f, (float) Math.log(3), 1000f - 1000f}))
                .containsExactly(new float[] {0.2f, 0.6f, 0.2f}, within(1e-6f));
    }

    @Test
    void givesTheTopKLabelsMostProbableFirst() throws IOException {
        List<String> labels = Files.readAllLines(LABELS);
        List<Prediction> all = ClassifyImage.classify(engine, labels, ClassifyImage.read(SAMPLE), 4);
        assertThat(all).extracting(Prediction::label).containsExactlyInAnyOrderElementsOf(labels);
        assertThat(all).extracting(Prediction::probability).isSortedAccordingTo((a, b) -> Float.compare(b, a));
        assertThat((double) all.stream().mapToDouble(Prediction::probability).sum()).isCloseTo(1.0, within(1e-5));

        assertThat(ClassifyImage.classify(engine, labels, ClassifyImage.read(SAMPLE), 2)).containsExactlyElementsOf(all.subList(0, 2));
    }

    @Test
    void decodesAJpegAsWellAsAPng(@TempDir Path dir) throws IOException {
        Path jpeg = dir.resolve("sample.jpg");
        assertThat(ImageIO.write(ImageIO.read(SAMPLE.toFile()), "jpeg", jpeg.toFile())).isTrue();
        List<Prediction> fromJpeg = ClassifyImage.classify(engine, Files.readAllLines(LABELS), ClassifyImage.read(jpeg), 4);
        List<Prediction> fromPng = ClassifyImage.classify(engine, Files.readAllLines(LABELS), ClassifyImage.read(SAMPLE), 4);
        for (int i = 0; i < 4; i++) {
            assertThat(fromJpeg.get(i).probability()).as("the JPEG's compression moves the scores a little")
                    .isCloseTo(fromPng.get(i).probability(), within(0.05f));
        }
    }

    @Test
    void aLabelsFileOfTheWrongLengthIsRefusedWithBothCounts() throws IOException {
        BufferedImage image = ClassifyImage.read(SAMPLE);
        assertThatThrownBy(() -> ClassifyImage.classify(engine, List.of("cat", "dog"), image, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 scores").hasMessageContaining("2 lines");
    }

    @Test
    void aFileThatIsNoImageIsAnIOExceptionNamingIt(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a picture");
        assertThatThrownBy(() -> ClassifyImage.read(text)).isInstanceOf(IOException.class).hasMessageContaining("notes.txt");
    }

    @Test
    void mainPrintsOneLineOfProbabilityAndLabelPerPrediction() throws IOException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            ClassifyImage.main(new String[] {MODEL.toString(), LABELS.toString(), SAMPLE.toString(), "3"});
        } finally {
            System.setOut(stdout);
        }
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3).allSatisfy(line -> assertThat(line).matches("0\\.\\d{4}  .+"));
        assertThat(lines.get(0).substring(8)).isIn(Files.readAllLines(LABELS));
    }

    private static BufferedImage filled(int width, int height, Color colour) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }
}
