package org.tempora.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;

/**
 * Properties of {@link Resize} that hold for every shape (reference-spec §3.1 and §6.4): PI-resize p→p is the
 * identity, upsampling preserves patch responses {@code ⟨Bx, ŵ⟩ = ⟨x, w⟩}, downsampling is the least-squares
 * solution; the 1-D matrices are interpolations (rows sum to 1) and anti-aliasing changes nothing when enlarging.
 */
class ResizePropertiesTest {

    @Property(tries = 40)
    void piResizeToTheSameShapeIsIdentity(@ForAll @IntRange(min = 1, max = 9) int kh, @ForAll @IntRange(min = 1, max = 9) int kw,
                                          @ForAll long seed) {
        double[][] p = Resize.piMatrix(kh, kw, kh, kw);
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p[0].length; j++) {
                assertThat(Math.abs(p[i][j] - (i == j ? 1 : 0))).isLessThan(1e-12);
            }
        }
        float[] w = random(new SplittableRandom(seed), 3 * kh * kw);
        assertThat(Resize.piResize(w, 3, 1, kh, kw, kh, kw)).containsExactly(w);
    }

    /** Upsampling (both axes grow or stay): the resized kernel sees a resized patch exactly as the old one saw the patch. */
    @Property(tries = 40)
    void upsamplingPreservesPatchResponses(@ForAll @IntRange(min = 1, max = 8) int kh, @ForAll @IntRange(min = 1, max = 8) int kw,
                                           @ForAll @IntRange(min = 0, max = 8) int dh, @ForAll @IntRange(min = 0, max = 8) int dw,
                                           @ForAll long seed) {
        int kh2 = kh + dh;
        int kw2 = kw + dw;
        SplittableRandom rng = new SplittableRandom(seed);
        float[] w = random(rng, kh * kw);
        float[] wHat = Resize.piResize(w, 1, 1, kh, kw, kh2, kw2);
        for (int t = 0; t < 8; t++) {
            float[] x = random(rng, kh * kw);
            // resize the patch with the plain bilinear operator, independently of the PI basis construction
            float[] bx = Resize.resize2d(x, 1, kh, kw, 1, kh2, kw2, false);
            assertThat(Math.abs(dot(bx, wHat) - dot(x, w))).isLessThan(1e-5);
        }
    }

    /** Downsampling: ŵ solves min ‖Bᵀŵ − w‖ — the residual is orthogonal to B's rows (normal equations) and no perturbation does better. */
    @Property(tries = 40)
    void downsamplingIsTheLeastSquaresSolution(@ForAll @IntRange(min = 2, max = 10) int kh, @ForAll @IntRange(min = 2, max = 10) int kw,
                                               @ForAll @IntRange(min = 0, max = 9) int a, @ForAll @IntRange(min = 0, max = 9) int b2,
                                               @ForAll long seed) {
        int kh2 = 1 + a % kh;
        int kw2 = 1 + b2 % kw;
        Assume.that(kh2 < kh || kw2 < kw);
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] b = Resize.resizeBasis(kh, kw, kh2, kw2);
        double[][] p = Resize.piMatrix(kh, kw, kh2, kw2);
        double[] w = new double[kh * kw];
        for (int i = 0; i < w.length; i++) w[i] = rng.nextGaussian();
        double[] wHat = mul(p, w);
        double[] r = residual(b, wHat, w);
        double[] normal = mul(b, r);
        for (double v : normal) assertThat(Math.abs(v)).isLessThan(1e-10);
        double best = norm2(r);
        for (int t = 0; t < 5; t++) {
            double[] other = wHat.clone();
            for (int i = 0; i < other.length; i++) other[i] += 1e-3 * rng.nextGaussian();
            assertThat(norm2(residual(b, other, w))).isGreaterThanOrEqualTo(best - 1e-12);
        }
        // the float path agrees with the float64 matrix
        float[] wf = new float[w.length];
        for (int i = 0; i < w.length; i++) wf[i] = (float) w[i];
        float[] got = Resize.piResize(wf, 1, 1, kh, kw, kh2, kw2);
        for (int i = 0; i < got.length; i++) assertThat(Math.abs(got[i] - wHat[i])).isLessThan(1e-5);
    }

    /** pinv(A ⊗ B) = pinv(A) ⊗ pinv(B): the big SVD of the Kronecker basis agrees with the two small ones. */
    @Property(tries = 25)
    void piMatrixIsTheKroneckerOfAxisPseudoInverses(@ForAll @IntRange(min = 1, max = 8) int kh, @ForAll @IntRange(min = 1, max = 8) int kw,
                                                    @ForAll @IntRange(min = 1, max = 12) int kh2, @ForAll @IntRange(min = 1, max = 12) int kw2) {
        double[][] p = Resize.piMatrix(kh, kw, kh2, kw2);
        double[][] ph = Resize.pinv(Resize.transpose(Resize.bilinear(kh, kh2)));
        double[][] pw = Resize.pinv(Resize.transpose(Resize.bilinear(kw, kw2)));
        for (int i = 0; i < kh2; i++) {
            for (int j = 0; j < kw2; j++) {
                for (int r = 0; r < kh; r++) {
                    for (int c = 0; c < kw; c++) {
                        assertThat(Math.abs(p[i * kw2 + j][r * kw + c] - ph[i][r] * pw[j][c])).isLessThan(1e-10);
                    }
                }
            }
        }
    }

    @Property(tries = 100)
    void axisMatricesInterpolate(@ForAll @IntRange(min = 1, max = 40) int nIn, @ForAll @IntRange(min = 1, max = 40) int nOut) {
        double[][] plain = Resize.bilinear(nIn, nOut);
        double[][] aa = Resize.bilinearAntialias(nIn, nOut);
        for (int i = 0; i < nOut; i++) {
            double sp = 0;
            double sa = 0;
            for (int j = 0; j < nIn; j++) {
                assertThat(plain[i][j]).isGreaterThanOrEqualTo(0);
                assertThat(aa[i][j]).isGreaterThanOrEqualTo(0);
                sp += plain[i][j];
                sa += aa[i][j];
                if (nOut >= nIn) assertThat(Math.abs(aa[i][j] - plain[i][j])).as("AA equals plain when enlarging").isLessThan(1e-12);
            }
            assertThat(sp).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-12));
            assertThat(sa).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-12));
        }
    }

    @Test
    void handComputedAxisMatrices() {
        // 2 -> 4, plain: src = (i+0.5)/2 - 0.5 = -0.25 (clamped 0), 0.25, 0.75, 1.25 (last sample repeats)
        double[][] up = Resize.bilinear(2, 4);
        assertThat(up[0]).containsExactly(1.0, 0.0);
        assertThat(up[1]).containsExactly(0.75, 0.25);
        assertThat(up[2]).containsExactly(0.25, 0.75);
        assertThat(up[3]).containsExactly(0.0, 1.0);
        // 4 -> 2, plain: src = 0.5, 2.5 -> averages of pairs; AA: triangle of support 2 around 1 and 3:
        // weights tri((j - c + 0.5)/2) for j = 0..3 and c = 1: 0.75, 0.75, 0.25, (j=3 outside) -> /1.75
        assertThat(Resize.bilinear(4, 2)[0]).containsExactly(0.5, 0.5, 0.0, 0.0);
        double[] aa = Resize.bilinearAntialias(4, 2)[0];
        assertThat(aa[0]).isCloseTo(0.75 / 1.75, org.assertj.core.api.Assertions.within(1e-15));
        assertThat(aa[1]).isCloseTo(0.75 / 1.75, org.assertj.core.api.Assertions.within(1e-15));
        assertThat(aa[2]).isCloseTo(0.25 / 1.75, org.assertj.core.api.Assertions.within(1e-15));
        assertThat(aa[3]).isEqualTo(0.0);
        // 16 -> 4 plain samples only inputs {1,2}, {5,6}, ...: the PI basis loses rank
        assertThat(Resize.bilinear(16, 4)[0]).containsExactly(0, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(Resize.rank(Resize.resizeBasis(16, 16, 128, 4))).isEqualTo(64);
    }

    @Test
    void astAdaptationToTheSameGridIsIdentity() {
        float[] pe = random(new SplittableRandom(3), (2 + 6 * 7) * 5);
        assertThat(Resize.astAdaptPosEmbed(pe, 2, 5, 6, 7, 6, 7)).containsExactly(pe);
        assertThat(Resize.resamplePosEmbed(pe, 2, 5, 6, 7, 6, 7, false)).containsExactly(pe);
    }

    @Test
    void wrongLengthsAndSizesAreTypedErrors() {
        assertThatThrownBy(() -> Resize.piResize(new float[10], 1, 1, 4, 4, 2, 2)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("10 values, expected 16");
        assertThatThrownBy(() -> Resize.bilinear(0, 3)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> Resize.resamplePosEmbed(new float[5], 1, 2, 2, 2, 3, 3, true)).isInstanceOf(InvalidInputException.class);
    }

    static float[] random(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    static double[] mul(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < x.length; j++) y[i] += a[i][j] * x[j];
        return y;
    }

    /** {@code Bᵀ·wHat − w}. */
    static double[] residual(double[][] b, double[] wHat, double[] w) {
        double[] r = new double[w.length];
        for (int j = 0; j < w.length; j++) {
            double s = 0;
            for (int i = 0; i < b.length; i++) s += b[i][j] * wHat[i];
            r[j] = s - w[j];
        }
        return r;
    }

    static double norm2(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return s;
    }
}
