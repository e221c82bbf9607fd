package org.infer4j.examples.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.infer4j.InferenceEngine;
import org.infer4j.Outputs;
import org.infer4j.Shape;
import org.infer4j.Tensor;
import org.infer4j.TensorInfo;

/**
 * Classifies a JPEG or PNG with an ImageNet classifier (ResNet-50, MobileNet, ... exported to ONNX with an input
 * {@code [batch, 3, height, width]}): decodes the image, resizes and centre-crops it as torchvision's ImageNet
 * evaluation does (shorter side to 256/224 of the input size, then the centre), normalises it to NCHW floats with
 * ImageNet's mean and standard deviation, runs the model and prints the k most probable labels.
 *
 * <pre>ClassifyImage MODEL.onnx LABELS.txt IMAGE [K]</pre>
 * LABELS.txt has one label per line, in the order of the model's outputs.
 */
public final class ClassifyImage {
    static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] STD = {0.229f, 0.224f, 0.225f};

    /** One label and its softmax probability. */
    public record Prediction(String label, float probability) {}

    private ClassifyImage() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: ClassifyImage MODEL.onnx LABELS.txt IMAGE [K]");
            System.exit(2);
        }
        List<String> labels = Files.readAllLines(Path.of(args[1]));
        int k = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        try (InferenceEngine engine = InferenceEngine.builder().model(Path.of(args[0])).build()) {
            for (Prediction p : classify(engine, labels, read(Path.of(args[2])), k)) {
                System.out.printf("%.4f  %s%n", p.probability(), p.label());
            }
        }
    }

    /** Decodes a JPEG, PNG, BMP or GIF file. */
    static BufferedImage read(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IOException(file + " is not an image javax.imageio can decode (JPEG, PNG, BMP, GIF)");
        }
        return image;
    }

    /** The k most probable labels for the image, most probable first. */
    public static List<Prediction> classify(InferenceEngine engine, List<String> labels, BufferedImage image, int k) {
        TensorInfo input = engine.inputs().get(0);
        int height = sizeOr224(input.shape(), 2);
        int width = sizeOr224(input.shape(), 3);
        try (Tensor pixels = Tensor.of(toNchw(image, width, height), 1, 3, height, width);
             Outputs out = engine.run(Map.of(input.name(), pixels))) {
            float[] logits = out.get(engine.outputs().get(0).name()).toFloatArray();
            if (logits.length != labels.size()) {
                throw new IllegalArgumentException("the model gives " + logits.length + " scores but the labels file has "
                        + labels.size() + " lines; give the labels file made for this model");
            }
            float[] probabilities = softmax(logits);
            return IntStream.range(0, probabilities.length).boxed()
                    .sorted(Comparator.comparingDouble(i -> -probabilities[i])).limit(k)
                    .map(i -> new Prediction(labels.get(i), probabilities[i])).toList();
        }
    }

    /** The centre of the image scaled to width x height (bilinear), as planes R, G, B of (value/255 - mean) / std. */
    public static float[] toNchw(BufferedImage image, int width, int height) {
        double sourcePerTarget = Math.min((double) image.getWidth() / width, (double) image.getHeight() / height) * 224 / 256;
        int cropWidth = (int) Math.round(width * sourcePerTarget);
        int cropHeight = (int) Math.round(height * sourcePerTarget);
        int left = (image.getWidth() - cropWidth) / 2;
        int top = (image.getHeight() - cropHeight) / 2;
        BufferedImage resized = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = resized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, width, height, left, top, left + cropWidth, top + cropHeight, null);
        g.dispose();
        int plane = width * height;
        float[] nchw = new float[3 * plane];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = resized.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    float value = ((rgb >> (16 - 8 * c)) & 0xFF) / 255f;
                    nchw[c * plane + y * width + x] = (value - MEAN[c]) / STD[c];
                }
            }
        }
        return nchw;
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= (float) sum;
        }
        return p;
    }

    /** A fixed dimension of the input, or 224 (ImageNet's usual size) where the model leaves it open. */
    private static int sizeOr224(Shape shape, int axis) {
        long d = shape.dim(axis);
        return d == Shape.UNKNOWN ? 224 : Math.toIntExact(d);
    }
}
