package org.tempora;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of tempora's packages, checked on the compiled classes (docs/extending.md draws it): the data flow
 * decode → features → resolution → tokens → backbone → head has no way back, and the library under the CLI is quiet.
 * (That tempora-core does not use the CLI, the benchmarks or the chart library is kept by the Maven modules: it cannot
 * compile against them.)
 */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("org.tempora");
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.tempora.(*)..").should().beFreeOfCycles().check(main);
    }

    @Test
    void theLowerLayersKnowNothingAboveThem() {
        // config is plain data; nn, audio and io know no model, training or run code
        classes().that().resideInAPackage("org.tempora.config..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("org.tempora.config..", "org.tempora", "java..",
                        "com.fasterxml..")
                .check(main);
        noClasses().that().resideInAnyPackage("org.tempora.nn..", "org.tempora.audio..", "org.tempora.io..", "org.tempora.features..")
                .should().dependOnClassesThat().resideInAnyPackage("org.tempora.model..", "org.tempora.train..",
                        "org.tempora.run..", "org.tempora.data..", "org.tempora.resolution..", "org.tempora.report..")
                .check(main);
        noClasses().that().resideInAnyPackage("org.tempora.eval..")
                .should().dependOnClassesThat().resideInAnyPackage("org.tempora.model..", "org.tempora.train..", "org.tempora.run..")
                .check(main);
    }

    @Test
    void theLibraryNeitherPrintsNorExits() {
        // the CLI (and the benchmark runners it hosts, other modules) own the terminal; jflac's stdout guard wraps
        // System.out on purpose
        noClasses().that().doNotHaveFullyQualifiedName("org.tempora.audio.JflacStdoutGuard")
                .and().doNotHaveFullyQualifiedName("org.tempora.audio.JflacStdoutGuard$Filter")
                .should().accessField(System.class, "out")
                .orShould().accessField(System.class, "err")
                .orShould().callMethod(System.class, "exit", int.class)
                .orShould().callMethod(Runtime.class, "halt", int.class)
                .orShould().callMethod(Throwable.class, "printStackTrace")
                .check(main);
    }
}
