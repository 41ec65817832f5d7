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

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void opMatchesFloat64(EngineCheck.Case c) {
        EngineCheck.Result r = EngineCheck.check(c, manager);
        assertThat(r.forwardError()).as(r + ": forward, max|Δ|/max|ref|").isLessThanOrEqualTo(EngineCheck.FORWARD_TOL);
        assertThat(r.gradientError()).as(r + ": gradient, max|Δ|/max|ref|").isLessThanOrEqualTo(EngineCheck.GRADIENT_TOL);
    }
}
