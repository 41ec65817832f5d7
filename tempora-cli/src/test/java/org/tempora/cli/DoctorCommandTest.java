package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tempora.nn.EngineCheck;
import org.tempora.nn.EngineException;
import org.tempora.nn.Ops;

/** {@code tempora doctor} and the start-up gate: exit 0 on a right engine, 4 with the op named on a wrong one. */
class DoctorCommandTest {
    @Test
    void healthyEngineExitsZeroAndPrintsTheMachine() {
        CliBadInputTest.Run r = CliBadInputTest.run("doctor", "--quick");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("cpu ", "pytorch    2.7.1", "djl        0.35.1", "MKL_CBWR", "ONEDNN_MAX_CPU_ISA",
                "everything tempora uses agrees with float64");
        assertThat(r.out()).containsPattern("ops tempora uses: (\\d+) of \\1 checks agree");
        assertThat(r.err()).isEmpty();
    }

    /**
     * With libtorch's own convolution selected, the ops tempora uses include a convolution that is wrong on AMD
     * family 26: doctor must say so and exit 4. On a CPU where oneDNN is right this test proves nothing, so it
     * only asserts the failure where the native check itself shows the fault.
     */
    @Test
    void wrongConvolutionIsNamedWithExitFour() {
        boolean nativeWrong = EngineCheck.run(EngineCheck.nativeConvolutionCases(EngineCheck.Level.QUICK)).stream()
                .anyMatch(x -> !x.passed());
        System.setProperty(Ops.CONV_PROPERTY, "native");
        try {
            CliBadInputTest.Run r = CliBadInputTest.run("doctor", "--quick");
            if (nativeWrong) {
                assertThat(r.code()).isEqualTo(4);
                assertThat(r.err().strip().lines()).hasSize(1);
                assertThat(r.err()).startsWith("tempora: the engine is wrong on this CPU:").contains("conv");
            } else {
                assertThat(r.code()).isEqualTo(0);
            }
        } finally {
            System.clearProperty(Ops.CONV_PROPERTY);
        }
    }

    /** Training refuses to start on a wrong engine: one line, exit 4, before any data is read. */
    @Test
    void trainingRefusesAWrongEngine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        boolean nativeWrong = EngineCheck.run(EngineCheck.nativeConvolutionCases(EngineCheck.Level.QUICK)).stream()
                .anyMatch(x -> !x.passed());
        System.setProperty(Ops.CONV_PROPERTY, "native");
        EngineCheck.forgetCheck();
        try {
            CliBadInputTest.Run r = CliBadInputTest.run("train", "--preset", "demo", "--data", "synthetic", "--epochs", "1",
                    "--set", "data.synthetic.clips_per_class=5", "--out", dir.resolve("run").toString(), "-q");
            if (nativeWrong) {
                assertThat(r.code()).as(r.err()).isEqualTo(4);
                assertThat(r.err().strip().lines()).hasSize(1);
                assertThat(r.err()).startsWith("tempora: the numerical engine is wrong on this CPU: conv");
            } else {
                assertThat(r.code()).as(r.err()).isEqualTo(0);
            }
        } finally {
            System.clearProperty(Ops.CONV_PROPERTY);
            EngineCheck.forgetCheck();
        }
    }

    @Test
    void gateThrowsNamingTheFirstWrongOp() {
        List<EngineCheck.Result> rs = List.of(new EngineCheck.Result("linear", "3x7", 1e-7, 1e-6, 0),
                new EngineCheck.Result("conv1d", "20→20 k5", 0.27, 0.3, 0));
        assertThatThrownBy(() -> EngineCheck.requirePassed(rs)).isInstanceOf(EngineException.class)
                .hasMessageContaining("conv1d 20→20 k5 gives a forward error of 0.27")
                .hasMessageContaining("tempora doctor")
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(4));
        EngineCheck.requirePassed(rs.subList(0, 1)); // a passing list does not throw
        assertThat(new EngineCheck.Result("gelu", "3x41", 0, Double.POSITIVE_INFINITY, 0).passed()).isFalse();
    }
}
