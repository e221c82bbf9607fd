package org.infer4j.tensorrt.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.infer4j.Availability;
import org.infer4j.Backends;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM that exits while a TensorRT engine is being built exits cleanly: its exit waits for the build
 * instead of running the process's exit handlers under TensorRT's builder, which crashed in native
 * code. Each repetition starts a JVM ({@link ExitDuringBuild}) that calls {@code System.exit} in the
 * middle of a cold build. Needs a GPU.
 */
class ExitDuringBuildGpuTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void requireGpu() {
        Availability a = Backends.discover().find("tensorrt").orElseThrow().availability();
        assumeTrue(a.isAvailable(), () -> "tensorrt cannot run here: " + a);
    }

    @RepeatedTest(3)
    void theJvmExitsWithItsOwnStatusAndNoNativeCrash() throws Exception {
        Path log = dir.resolve("child.log");
        ProcessBuilder child = new ProcessBuilder(javaExecutable(), "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                ExitDuringBuild.class.getName(), dir.resolve("engines").toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        // the class path goes by the environment: ONNX Runtime 1.29 crashes under a long command line
        child.environment().put("CLASSPATH", classPath());
        Process p = child.start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(ended).as("the child ended; its output:%n%s", output).isTrue();
        assertThat(output).as("the child exited in the middle of a build")
                .contains(ExitDuringBuild.EXITING_DURING_BUILD);
        assertThat(p.exitValue()).as("exit status; output:%n%s", output).isEqualTo(ExitDuringBuild.EXIT_STATUS);
        assertThat(output).doesNotContain("SIGSEGV", "A fatal error has been detected");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.startsWith("hs_err"));
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This JVM's class path, with the entries of the class loader that loaded the tests (the JUnit console's). */
    private static String classPath() throws URISyntaxException {
        Set<String> entries = new LinkedHashSet<>();
        if (ExitDuringBuildGpuTest.class.getClassLoader() instanceof URLClassLoader loader) {
            for (URL url : loader.getURLs()) {
                entries.add(Path.of(url.toURI()).toString());
            }
        }
        entries.addAll(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        return String.join(File.pathSeparator, new ArrayList<>(entries));
    }
}
