package org.infer4j.tensorrt.internal.build;

import java.nio.file.Path;
import org.infer4j.InferenceEngine;
import org.infer4j.Precision;
import org.infer4j.contract.ReferenceModel;
import org.infer4j.tensorrt.TensorRtSettings;

/**
 * The child JVM of {@link ExitDuringBuildGpuTest}: starts a cold FP16 build of cnn_tiny on a thread
 * and calls {@code System.exit} while it runs. Argument: an empty engine cache directory.
 */
final class ExitDuringBuild {
    static final String EXITING_DURING_BUILD = "exiting with a TensorRT build in flight";
    static final int EXIT_STATUS = 3;

    private ExitDuringBuild() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path cache = Path.of(args[0]);
        Thread build = new Thread(() -> {
            try (InferenceEngine engine = InferenceEngine.builder().backend("tensorrt")
                    .model(ReferenceModel.named("cnn_tiny").onnxBytes()).precision(Precision.FP16)
                    .settings(TensorRtSettings.builder().cacheDirectory(cache).build()).build()) {
                System.out.println("the build ended before the exit");
            }
        }, "build");
        build.start();
        while (BuildsInFlight.process().running() == 0 && build.isAlive()) {
            Thread.sleep(1);
        }
        // into the builder's native code
        Thread.sleep(50);
        if (BuildsInFlight.process().running() > 0) {
            System.out.println(EXITING_DURING_BUILD);
            System.out.flush();
        }
        System.exit(EXIT_STATUS);
    }
}
