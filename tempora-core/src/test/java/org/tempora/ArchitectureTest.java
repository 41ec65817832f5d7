package org.tempora;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.net.URL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tempora.explain.Explainer;

/**
 * The layering of tempora's packages, checked on the compiled classes (docs/extending.md draws it): the data flow
 * decode → features → resolution → tokens → backbone → head has no way back, the library under the CLI is quiet, and
 * it draws nothing. (That tempora-core does not use the CLI, the benchmarks or the chart library is kept by the Maven
 * modules: it cannot compile against them. The JDK's own drawing packages are always there, so that rule is checked
 * here.) Only tempora-core's main classes are imported: the folder or jar its classes were loaded from.
 */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        URL core = TemporaException.class.getProtectionDomain().getCodeSource().getLocation();
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importUrl(core);
    }

    @Test
    void onlyCoreClassesAreChecked() {
        assertThat(main.contain(Explainer.class)).isTrue();
        assertThat(main.size()).isGreaterThan(100);
        assertThat(main.contain(ArchitectureTest.class)).as("test classes").isFalse();
        for (JavaClass c : main) assertThat(c.getPackageName()).startsWith("org.tempora");
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
        // interop maps checkpoints onto models; the run code (import, export, --init) builds on it, not the reverse
        noClasses().that().resideInAnyPackage("org.tempora.interop..")
                .should().dependOnClassesThat().resideInAnyPackage("org.tempora.train..", "org.tempora.run..", "org.tempora.data..")
                .check(main);
        noClasses().that().resideInAnyPackage("org.tempora.eval..")
                .should().dependOnClassesThat().resideInAnyPackage("org.tempora.model..", "org.tempora.train..", "org.tempora.run..")
                .check(main);
    }

    @Test
    void theLibraryDrawsNothing() {
        // pictures (the explain picture, report charts) are tempora-report's, drawn with JFreeChart
        noClasses().that().resideInAPackage("org.tempora..")
                .should().dependOnClassesThat().resideInAnyPackage("java.awt..", "javax.imageio..", "javax.swing..", "org.jfree..")
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
