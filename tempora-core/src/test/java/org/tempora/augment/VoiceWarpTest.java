package org.tempora.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;
import org.tempora.features.FbankOptions;

/** VTLP moves a spectral line to the bin of the scaled frequency; the tempo change resamples the frame axis. */
class VoiceWarpTest {
    static final FbankOptions FB = FbankOptions.ast(16000); // 128 bins, 20 Hz .. 8 kHz
    static final int T = 100;
    static final int F = 128;

    /** Kaldi's centre of mel bin i in Hz, computed here independently of VoiceWarp. */
    static double centreHz(int i) {
        double lo = 1127 * Math.log(1 + 20 / 700.0);
        double hi = 1127 * Math.log(1 + 8000 / 700.0);
        double mel = lo + (i + 1) * (hi - lo) / (F + 1);
        return 700 * (Math.exp(mel / 1127) - 1);
    }

    @Test
    void identityFactorsLeaveTheMatrixUnchanged() {
        float[] x = random(1);
        float[] y = x.clone();
        new VoiceWarp(0.2, 0.2, FB).apply(y, 0, T, F, 1.0, 1.0);
        assertThat(y).isEqualTo(x);
    }

    @Test
    void aSpectralLineMovesToTheBinOfTheScaledFrequency() {
        for (double alpha : new double[] {0.85, 0.9, 1.1, 1.15}) {
            int line = 60;
            float[] x = new float[T * F];
            for (int t = 0; t < T; t++) x[t * F + line] = 10f;
            new VoiceWarp(0.2, 0, FB).apply(x, 0, T, F, alpha, 1.0);
            int peak = 0;
            for (int i = 1; i < F; i++) if (x[i] > x[peak]) peak = i;
            double target = alpha * centreHz(line);
            int expected = 0;
            for (int i = 1; i < F; i++) if (Math.abs(centreHz(i) - target) < Math.abs(centreHz(expected) - target)) expected = i;
            assertThat(peak).as("alpha %s", alpha).isBetween(expected - 1, expected + 1);
            assertThat(peak).isNotEqualTo(line);
            for (int t = 1; t < T; t++) assertThat(x[t * F + peak]).isEqualTo(x[peak]); // every frame the same
        }
    }

    @Test
    void aFrequencyWarpOfALinearProfileInterpolatesExactlyAndClampsAtTheEdges() {
        VoiceWarp w = new VoiceWarp(0.2, 0, FB);
        double[] src = w.sourceBins(F, 1.1);
        float[] x = new float[T * F];
        for (int t = 0; t < T; t++) for (int i = 0; i < F; i++) x[t * F + i] = i;
        w.apply(x, 0, T, F, 1.1, 1.0);
        for (int i = 0; i < F; i++) assertThat((double) x[i]).isCloseTo(Math.max(0, Math.min(F - 1, src[i])), within(1e-4));
        // alpha > 1 (a shorter tract, formants moved up) reads lower source frequencies: every source index is below its bin
        for (int i = 0; i < F; i++) assertThat(src[i]).isLessThan(i);
        assertThat(w.sourceBins(F, 1.0)[37]).isCloseTo(37, within(1e-9));
    }

    @Test
    void theTempoChangeResamplesFramesAnchoredAtTheFirst() {
        for (double beta : new double[] {0.8, 1.25}) {
            float[] x = new float[T * F];
            for (int t = 0; t < T; t++) for (int i = 0; i < F; i++) x[t * F + i] = t + 1000 * i;
            new VoiceWarp(0, 0.3, FB).apply(x, 0, T, F, 1.0, beta);
            for (int t = 0; t < T; t++) {
                double p = Math.min(T - 1, t * beta);
                assertThat((double) x[t * F + 5]).as("beta %s frame %d", beta, t).isCloseTo(p + 5000, within(1e-3));
            }
        }
    }

    @Test
    void anOffsetSelectsOneExampleOfABatch() {
        float[] batch = new float[3 * T * F];
        float[] one = random(7);
        System.arraycopy(one, 0, batch, T * F, T * F);
        VoiceWarp w = new VoiceWarp(0.15, 0.15, FB);
        w.apply(batch, T * F, T, F, new SplittableRandom(4));
        w.apply(one, 0, T, F, new SplittableRandom(4));
        float[] mid = java.util.Arrays.copyOfRange(batch, T * F, 2 * T * F);
        assertThat(mid).isEqualTo(one);
        for (int k = 0; k < T * F; k++) assertThat(batch[k]).isZero();
    }

    @Test
    void factorsStayInTheirRangesAndADisabledAxisDrawsNothing() {
        VoiceWarp off = new VoiceWarp(0, 0, FB);
        assertThat(off.enabled()).isFalse();
        SplittableRandom a = new SplittableRandom(9);
        SplittableRandom b = new SplittableRandom(9);
        float[] x = random(2);
        float[] y = x.clone();
        off.apply(x, 0, T, F, a);
        assertThat(x).isEqualTo(y);
        assertThat(a.nextLong()).isEqualTo(b.nextLong());
        // with one axis on, exactly one draw
        SplittableRandom c = new SplittableRandom(9);
        new VoiceWarp(0.1, 0, FB).apply(x, 0, T, F, c);
        SplittableRandom d = new SplittableRandom(9);
        d.nextDouble();
        assertThat(c.nextLong()).isEqualTo(d.nextLong());
    }

    @Test
    void outOfRangeSettingsAreRefusedWithTheirKey() {
        assertThatThrownBy(() -> new VoiceWarp(0.5, 0, FB)).isInstanceOf(ConfigException.class).hasMessageContaining("augment.vtlp");
        assertThatThrownBy(() -> new VoiceWarp(0, -0.1, FB)).isInstanceOf(ConfigException.class).hasMessageContaining("augment.time_stretch");
    }

    static float[] random(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[T * F];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
