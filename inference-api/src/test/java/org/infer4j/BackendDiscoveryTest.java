package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import org.infer4j.spi.BackendProvider;
import org.infer4j.spi.EngineConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Discovery when some registered providers are broken: {@code broken-providers/META-INF/services}
 * registers two working providers around one whose constructor throws, one whose static initialiser
 * throws, one whose class is missing and one that needs a class of a missing jar.
 */
class BackendDiscoveryTest {

    /** Works; builds engines that carry its name. */
    public static class Working implements BackendProvider {
        @Override
        public String name() {
            return "works";
        }

        @Override
        public int priority() {
            return 20;
        }

        @Override
        public String description() {
            return "a working provider for tests";
        }

        @Override
        public Availability availability() {
            return Availability.available("everywhere");
        }

        @Override
        public InferenceEngine create(EngineConfig config) {
            return new BackendsAndBuilderTest.DoublingEngine(name());
        }
    }

    /** Registered after the broken ones, to show that discovery goes on past them. */
    public static final class AlsoWorking extends Working {
        @Override
        public String name() {
            return "also-works";
        }

        @Override
        public int priority() {
            return 10;
        }
    }

    public static final class ThrowingConstructor extends Working {
        public ThrowingConstructor() {
            throw new IllegalStateException("no licence key in INFER4J_LICENCE");
        }
    }

    public static final class FailingStaticInitialiser extends Working {
        private static final String CONFIG = readConfig();

        private static String readConfig() {
            throw new UncheckedIOException(new IOException("/etc/fake-backend.conf: permission denied"));
        }

        @Override
        public String description() {
            return CONFIG;
        }
    }

    /** What a provider compiled against ONNX Runtime meets when the ONNX Runtime jar is not there. */
    public static final class MissingDependency extends Working {
        public MissingDependency() {
            throw new NoClassDefFoundError("ai/onnxruntime/OrtEnvironment");
        }
    }

    private static Backends discovered;
    private static String logged;

    @BeforeAll
    static void discoverWithBrokenProviders() throws IOException {
        URL root = Objects.requireNonNull(BackendDiscoveryTest.class.getResource("/org/infer4j/broken-providers/"));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {root}, BackendDiscoveryTest.class.getClassLoader())) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            discovered = Backends.discover(loader);
        } finally {
            System.setErr(err);
        }
        logged = captured.toString(StandardCharsets.UTF_8);
    }

    private static BackendStatus notLoaded(String className) {
        return discovered.statuses().stream().filter(s -> s.name().equals(className)).findFirst()
                .orElseThrow(() -> new AssertionError(className + " not in " + discovered.statuses()));
    }

    @Test
    void theWorkingProvidersAreFoundAroundTheBrokenOnes() {
        assertThat(discovered.names()).containsExactly("works", "also-works");
        assertThat(discovered.best().name()).isEqualTo("works");
        assertThat(discovered.require("also-works").name()).isEqualTo("also-works");
    }

    @Test
    void anEngineBuildsAsIfTheBrokenProvidersWereNotThere() {
        try (InferenceEngine e = InferenceEngine.builder().backends(discovered).model(new byte[] {1}).build()) {
            assertThat(e.backend()).isEqualTo("works");
        }
    }

    @Test
    void everyBrokenProviderIsListedByClassNameAfterTheBackends() {
        List<BackendStatus> statuses = discovered.statuses();
        assertThat(statuses).extracting(BackendStatus::name).containsExactly("works", "also-works",
                ThrowingConstructor.class.getName(), FailingStaticInitialiser.class.getName(), "org.infer4j.NoSuchProvider",
                MissingDependency.class.getName());
        assertThat(statuses).extracting(BackendStatus::loaded).containsExactly(true, true, false, false, false, false);
        assertThat(statuses.subList(2, 6)).allSatisfy(s -> {
            assertThat(s.isAvailable()).isFalse();
            assertThat(s.priority()).as("never chosen").isEqualTo(Integer.MIN_VALUE);
            assertThat(s.availability().remedy()).isNotBlank();
            assertThat(s.availability().cause()).isInstanceOf(ServiceConfigurationError.class);
        });
    }

    @Test
    void aThrowingConstructorIsReportedWithWhatItThrew() {
        Availability why = notLoaded(ThrowingConstructor.class.getName()).availability();
        assertThat(why.detail()).isEqualTo("its constructor threw IllegalStateException: no licence key in INFER4J_LICENCE");
        assertThat(why.remedy()).contains("backend's maintainers", "DEBUG");
    }

    @Test
    void aFailingStaticInitialiserIsReportedWithWhatItThrew() {
        Availability why = notLoaded(FailingStaticInitialiser.class.getName()).availability();
        assertThat(why.detail()).startsWith("its static initialiser threw UncheckedIOException")
                .contains("/etc/fake-backend.conf: permission denied");
    }

    @Test
    void aRegisteredClassThatIsNotThereIsReportedAsAStaleRegistration() {
        Availability why = notLoaded("org.infer4j.NoSuchProvider").availability();
        assertThat(why.detail()).contains("META-INF/services names this class, but it is not on the class path");
        assertThat(why.remedy()).contains("one version");
    }

    @Test
    void aMissingDependencyIsReportedWithTheClassAndTheJarThatBringsIt() {
        Availability why = notLoaded(MissingDependency.class.getName()).availability();
        assertThat(why.detail()).isEqualTo("class ai.onnxruntime.OrtEnvironment, which it needs, is not on the class path");
        assertThat(why.remedy()).contains("com.microsoft.onnxruntime:onnxruntime_gpu");
    }

    @Test
    void theReportListsTheBackendsThenEachBrokenProviderWithWhyAndFix() {
        String report = discovered.report();
        assertThat(report).contains("works       available    priority   20", "also-works  available")
                .contains("NOT LOADED  provider " + MissingDependency.class.getName())
                .contains("why: class ai.onnxruntime.OrtEnvironment, which it needs, is not on the class path")
                .contains("fix: put com.microsoft.onnxruntime:onnxruntime_gpu");
        assertThat(report.indexOf("also-works")).isLessThan(report.indexOf("NOT LOADED"));
    }

    @Test
    void eachBrokenProviderIsLoggedAsOneWarnLine() {
        List<String> warnings = logged.lines().filter(l -> l.contains("WARN")).toList();
        assertThat(warnings).hasSize(4).allSatisfy(l -> assertThat(l).contains("could not be loaded and is left out", "To fix:"));
        assertThat(warnings).anySatisfy(l -> assertThat(l).contains(MissingDependency.class.getName(),
                "ai.onnxruntime.OrtEnvironment"));
        assertThat(logged.lines()).as("no stack traces at WARN").noneMatch(l -> l.startsWith("\tat "));
    }

    @Test
    void aNameNotFoundAmongTheBackendsMentionsTheProvidersThatDidNotLoad() {
        assertThatThrownBy(() -> discovered.require("ort-cpu")).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("no backend named 'ort-cpu'; found [works, also-works]")
                .hasMessageContaining("could not be loaded: " + ThrowingConstructor.class.getName() + " (its constructor threw");
    }

    @Test
    void aProviderThatCannotSayItsNameIsListedAsNotLoaded() {
        BackendProvider nameless = new Working() {
            @Override
            public String name() {
                throw new NoClassDefFoundError("org/bytedeco/tensorrt/global/nvinfer");
            }
        };
        Backends backends = Backends.of(nameless, new AlsoWorking());
        assertThat(backends.names()).containsExactly("also-works");
        BackendStatus status = backends.statuses().get(1);
        assertThat(status.loaded()).isFalse();
        assertThat(status.name()).isEqualTo(nameless.getClass().getName());
        assertThat(status.availability().remedy()).contains("org.bytedeco:javacpp");
    }
}
