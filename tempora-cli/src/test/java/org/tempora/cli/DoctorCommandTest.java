package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tempora.nn.EngineCheck;
import org.tempora.nn.EngineException;

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
     * A wrong op that tempora uses is named, with exit 4. Whether libtorch's convolution is wrong depends on the CPU
     * (AMD family 26: yes; family 25: no, docs/engine.md), so the fault is simulated ({@code
     * tempora.engineCheck=simulate-wrong:conv1d}): the cases still run, and the report and exit code are checked on
     * every CPU.
     */
    @Test
    void wrongConvolutionIsNamedWithExitFour() {
        CliBadInputTest.Run r = withSimulatedWrongOp("conv1d", () -> CliBadInputTest.run("doctor", "--quick"));
        assertThat(r.code()).as(r.err()).isEqualTo(4);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("tempora: the engine is wrong on this CPU:").contains("conv1d");
        assertThat(r.out()).containsPattern("\\n +conv1d +0/\\d+ +WRONG");
    }

    /** A wrong libtorch convolution, which tempora does not use, is reported and leaves the exit code at 0. */
    @Test
    void wrongNativeConvolutionIsReportedButDoesNotFail() {
        CliBadInputTest.Run r = withSimulatedWrongOp("native-conv2d", () -> CliBadInputTest.run("doctor", "--quick"));
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).containsPattern("native-conv2d +0/\\d+ +WRONG")
                .contains("everything tempora uses agrees with float64");
    }

    /** Training refuses to start on a wrong engine: one line, exit 4, nothing trained. */
    @Test
    void trainingRefusesAWrongEngine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String[] train = {"train", "--preset", "demo", "--data", "synthetic", "--epochs", "1",
                "--set", "data.synthetic.clips_per_class=5", "--out", dir.resolve("run").toString(), "-q"};
        CliBadInputTest.Run r = withSimulatedWrongOp("conv2d", () -> CliBadInputTest.run(train));
        assertThat(r.code()).as(r.err()).isEqualTo(4);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("tempora: the numerical engine is wrong on this CPU: conv2d");
        for (String f : new String[] {"model.npz", "config.yaml", "run.json"}) assertThat(dir.resolve("run").resolve(f)).doesNotExist();
        // the same command on the real engine trains (tempora's own convolution is right on every CPU it ran on)
        CliBadInputTest.Run ok = CliBadInputTest.run(train);
        assertThat(ok.code()).as(ok.err()).isEqualTo(0);
        assertThat(dir.resolve("run").resolve("model.npz")).exists();
    }

    private static CliBadInputTest.Run withSimulatedWrongOp(String op, java.util.function.Supplier<CliBadInputTest.Run> body) {
        String before = System.getProperty(EngineCheck.CHECK_PROPERTY);
        System.setProperty(EngineCheck.CHECK_PROPERTY, EngineCheck.SIMULATE_PREFIX + op);
        EngineCheck.forgetCheck();
        try {
            return body.get();
        } finally {
            if (before == null) System.clearProperty(EngineCheck.CHECK_PROPERTY);
            else System.setProperty(EngineCheck.CHECK_PROPERTY, before);
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
