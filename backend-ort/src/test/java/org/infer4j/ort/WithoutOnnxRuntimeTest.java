package org.infer4j.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The class path of this module's tests without the ONNX Runtime jar, in a class loader of its own:
 * discovery lists the three ONNX Runtime providers as not loaded, naming the missing jar, instead
 * of failing with a ServiceConfigurationError.
 */
class WithoutOnnxRuntimeTest {

    private static URL[] classPathWithoutOnnxRuntime() throws MalformedURLException {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank() && !Path.of(entry).getFileName().toString().startsWith("onnxruntime")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        return urls.toArray(URL[]::new);
    }

    @Test
    void theOrtProvidersAreListedAsNotLoadedNamingTheMissingJar() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(classPathWithoutOnnxRuntime(), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("ai.onnxruntime.OrtEnvironment", false, loader))
                    .as("the premise").isInstanceOf(ClassNotFoundException.class);
            Class<?> backends = Class.forName("org.infer4j.Backends", true, loader);
            Object discovered = backends.getMethod("discover", ClassLoader.class).invoke(null, loader);

            assertThat((List<?>) backends.getMethod("names").invoke(discovered)).isEmpty();
            String report = (String) backends.getMethod("report").invoke(discovered);
            for (String provider : List.of("OrtCpuProvider", "OrtCudaProvider", "OrtTensorRtProvider")) {
                assertThat(report).contains("NOT LOADED  provider org.infer4j.ort.internal." + provider);
            }
            assertThat(report).contains("why: class ai.onnxruntime.", "which it needs, is not on the class path",
                    "fix: put com.microsoft.onnxruntime:onnxruntime_gpu");
        }
    }
}
