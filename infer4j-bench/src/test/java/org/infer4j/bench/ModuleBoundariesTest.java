package org.infer4j.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each module's {@code internal} package is its own: no other module's classes use it. The bench
 * module sees every module's classes, so the rule is checked here, over the main classes of all.
 */
class ModuleBoundariesTest {
    /** Each module's internal package, and the packages of that module, which alone may use it. */
    static final Map<String, String[]> MODULES = Map.of(
            "org.infer4j.internal..", new String[] {"org.infer4j", "org.infer4j.spi..", "org.infer4j.internal.."},
            "org.infer4j.ort.internal..", new String[] {"org.infer4j.ort.."},
            "org.infer4j.tensorrt.internal..", new String[] {"org.infer4j.tensorrt.."},
            "org.infer4j.cudagraphs.internal..", new String[] {"org.infer4j.cudagraphs.."},
            "org.infer4j.metrics.internal..", new String[] {"org.infer4j.metrics.."},
            "org.infer4j.bench.internal..", new String[] {"org.infer4j.bench.."});

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.infer4j");
    }

    static Iterable<String> internalPackages() {
        return MODULES.keySet();
    }

    @ParameterizedTest
    @MethodSource("internalPackages")
    void noOtherModuleUsesThisInternalPackage(String internal) {
        noClasses().that().resideOutsideOfPackages(MODULES.get(internal))
                .should().dependOnClassesThat().resideInAPackage(internal)
                .because("a module's internal package is its implementation; other modules use its public API")
                .check(classes);
    }
}
