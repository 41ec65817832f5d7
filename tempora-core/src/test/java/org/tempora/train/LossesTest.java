package org.tempora.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * Cross-entropy with label smoothing against values computed in float64 from PyTorch's definition,
 * {@code (1 − ε)·CE(y) + ε·mean_c(−log softmax(x)_c)}, for logits {@code [[1, 2, 3], [0.5, −1, 2.5]]}, ε = 0.1.
 */
class LossesTest {
    private static final float[] LOGITS = {1, 2, 3, 0.5f, -1, 2.5f};

    private static double loss(float[] targets, double eps) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(LOGITS, new Shape(2, 3));
            NDArray y = m.create(targets, new Shape(2, 3));
            return Losses.crossEntropy(x, Losses.smoothTargets(y, eps)).getFloat();
        }
    }

    @Test
    void smoothedOneHotTargetsGivePyTorchsLabelSmoothingLoss() {
        float[] oneHot = {0, 0, 1, 1, 0, 0};   // classes 2 and 0
        // per clip 0.5076059644 and 2.1365115405, mean 1.3220587525
        assertThat(loss(oneHot, 0.1)).isCloseTo(1.3220587525, within(2e-6));
        // ε = 0 is plain cross-entropy: (0.4076059644 + 2.1531782071) / 2
        assertThat(loss(oneHot, 0)).isCloseTo(1.2803920858, within(2e-6));
    }

    @Test
    void softMixupTargetsAreSmoothedToo() {
        float[] soft = {0, 0.3f, 0.7f, 1, 0, 0};
        assertThat(loss(soft, 0.1)).isCloseTo(1.4570587525, within(2e-6));
    }

    @Test
    void smoothedTargetsStillSumToOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray y = m.create(new float[] {0, 0.3f, 0.7f, 1, 0, 0}, new Shape(2, 3));
            float[] s = Losses.smoothTargets(y, 0.25).toFloatArray();
            assertThat(s).containsExactly(new float[] {0.25f / 3, 0.225f + 0.25f / 3, 0.525f + 0.25f / 3,
                    0.75f + 0.25f / 3, 0.25f / 3, 0.25f / 3}, within(1e-7f));
            assertThat(s[0] + s[1] + s[2]).isCloseTo(1f, within(1e-6f));
        }
    }
}
