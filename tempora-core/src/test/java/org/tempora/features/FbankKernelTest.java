package org.tempora.features;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The vectorised block kernel equals the scalar JTransforms path (the tests run with the vector module). */
class FbankKernelTest {
    static float[] signal(int n) {
        float[] x = new float[n];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < n; i++) x[i] = (float) (0.3 * Math.sin(i * 0.031) + 0.05 * (r.nextDouble() - 0.5) + (i > n / 2 ? 0.2 * Math.sin(i * 0.9) : 0));
        for (int i = n / 3; i < Math.min(n, n / 3 + 2000); i++) x[i] = 0; // digital silence: floor cells
        return x;
    }

    @Test
    void testsRunTheVectorKernel() {
        assertThat(new KaldiFbank(FbankOptions.ast(16000)).vectorised()).as("surefire adds --add-modules jdk.incubator.vector").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ast", "magnitude", "linear", "sr8000", "sr44100", "shift1", "frames_not_multiple_of_8"})
    void vectorKernelEqualsScalarPath(String variant) {
        FbankOptions o = switch (variant) {
            case "magnitude" -> FbankOptions.ast(16000).withUsePower(false);
            case "linear" -> FbankOptions.ast(16000).withUseLog(false);
            case "sr8000" -> FbankOptions.ast(8000);
            case "sr44100" -> FbankOptions.ast(44100);
            case "shift1" -> FbankOptions.ast(16000).withFrameShiftMs(1);
            default -> FbankOptions.ast(16000);
        };
        int n = variant.equals("frames_not_multiple_of_8") ? 400 + 160 * 12 : (int) o.sampleRate();
        float[] x = signal(n);
        float[] vec = new KaldiFbank(o).compute(x, "v").data();
        float[] sca = KaldiFbank.computeScalar(o, x).data();
        assertThat(vec).hasSameSizeAs(sca);
        for (int i = 0; i < vec.length; i++) {
            if (sca[i] == -15.942385f) {
                assertThat(vec[i]).as("floor cell %d", i).isEqualTo(-15.942385f);
            } else {
                assertThat((double) vec[i]).as("cell %d", i).isCloseTo(sca[i], org.assertj.core.data.Offset.offset(2e-6 * Math.max(1, Math.abs(sca[i]))));
            }
        }
    }
}
