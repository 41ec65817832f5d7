package org.tempora.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine is right on this CPU: every op tempora relies on, forward and backward, at tempora's shapes, against
 * float64 ({@link EngineCheck}, FULL level: conv1d channel sweep 1–160, kernels, dilation, stride, groups, depthwise;
 * conv2d at every patch geometry; linear, batched matmul, attention, layer/batch/RMS norm, activations, cumsum,
 * pooling reductions, gather, index + where, flip/pad/stack).
 *
 * <p>With {@code -Dtempora.conv=native} (libtorch's oneDNN convolution) the conv1d cases fail on AMD family 26:
 * that is the bug these tests exist to catch (docs/engine.md shows the output).
 */
class EngineNumericsTest {
    static NDManager manager;

    @BeforeAll
    static void open() {
        manager = Engine.getInstance().newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Stream<EngineCheck.Case> cases() {
        return EngineCheck.cases(EngineCheck.Level.FULL).stream();
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> misaligned() {
        return EngineCheck.cases(EngineCheck.Level.QUICK).stream()
                .flatMap(c -> Stream.of(1, 3, 7, 13).map(off -> org.junit.jupiter.params.provider.Arguments.of(c, off)));
    }

    /**
     * DJL wraps Java buffers with {@code from_blob}, so inputs are only 16-byte aligned and their offset from a
     * 64-byte boundary varies from run to run: no op may depend on it (every QUICK case at 4 offsets).
     */
    @ParameterizedTest(name = "{0} at +{1} floats")
    @MethodSource("misaligned")
    void opDoesNotDependOnAlignment(EngineCheck.Case c, int offset) {
        EngineCheck.Result r = EngineCheck.check(c, manager, offset);
        assertThat(r.forwardError()).as(r + ": forward at offset " + offset).isLessThanOrEqualTo(EngineCheck.FORWARD_TOL);
        assertThat(r.gradientError()).as(r + ": gradient at offset " + offset).isLessThanOrEqualTo(EngineCheck.GRADIENT_TOL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void opMatchesFloat64(EngineCheck.Case c) {
        EngineCheck.Result r = EngineCheck.check(c, manager);
        assertThat(r.forwardError()).as(r + ": forward, max|Δ|/max|ref|").isLessThanOrEqualTo(EngineCheck.FORWARD_TOL);
        assertThat(r.gradientError()).as(r + ": gradient, max|Δ|/max|ref|").isLessThanOrEqualTo(EngineCheck.GRADIENT_TOL);
    }
}
