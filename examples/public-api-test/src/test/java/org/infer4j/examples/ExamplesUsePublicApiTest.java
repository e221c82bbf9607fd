package org.infer4j.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The examples are written as a user of infer4j would write them: against the public API only, never an
 * {@code internal} package of any module, nor the benchmark tool.
 */
class ExamplesUsePublicApiTest {
    private static JavaClasses examples;

    @BeforeAll
    static void importTheExamples() {
        examples = new ClassFileImporter().importPackages("org.infer4j.examples");
    }

    @Test
    void seesEveryExample() {
        assertThat(examples.stream().map(JavaClass::getName)).contains(
                "org.infer4j.examples.image.ClassifyImage",
                "org.infer4j.examples.embeddings.SentenceSimilarity",
                "org.infer4j.examples.service.PredictionService",
                "org.infer4j.examples.backend.LoggedOrtCpuProvider",
                "org.infer4j.examples.cache.EngineCacheWarmup");
    }

    @Test
    void noExampleUsesAnInternalPackage() {
        noClasses().should().dependOnClassesThat().resideInAPackage("org.infer4j..internal..")
                .because("an example shows what a user can write, and internal packages are no API")
                .check(examples);
    }

    @Test
    void noExampleUsesTheBenchmarkTool() {
        noClasses().should().dependOnClassesThat().resideInAPackage("org.infer4j.bench..")
                .because("the benchmark is a tool, not a library")
                .check(examples);
    }
}
