package org.tempora.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tempora.io.Npy;
import org.tempora.testing.Fixtures;

/**
 * Parity of {@link Resize} with FlexiAST's resizing helpers and AST's {@code F.interpolate} calls
 * (fixtures/resize, README §4): PI-resize kernels, axis matrices and pseudo-inverses, the anti-aliased "BL"
 * kernel resize, and both positional-embedding resamplers. The worst |Δ| of each comparison is printed.
 */
class ResizeFixtureTest {

    /** Every PI target, including the spec-derived, rank-deficient 128x4 (float64 pinv with a relative cutoff). */
    @ParameterizedTest
    @ValueSource(strings = {"16x32", "16x64", "8x8", "32x32", "128x4"})
    void piResizeMatchesReference(String target) {
        Path dir = Fixtures.caseDir("resize", "pi_resize_kernel16");
        int h = Integer.parseInt(target.split("x")[0]);
        int w = Integer.parseInt(target.split("x")[1]);
        Npy.Array in = Fixtures.npy(dir, "kernel_in.npy");
        Npy.Array ref = Fixtures.npy(dir, "kernel_out_" + target + ".npy");
        assertThat(ref.shape()).containsExactly(8, 1, h, w);

        assertClose("pi axis_matrix_h " + target, flat(Resize.bilinear(16, h)), Fixtures.npy(dir, "axis_matrix_h_" + target + ".npy"), 1e-7);
        assertClose("pi axis_matrix_w " + target, flat(Resize.bilinear(16, w)), Fixtures.npy(dir, "axis_matrix_w_" + target + ".npy"), 1e-7);

        float[] got = Resize.piResize(in.f32(), 8, 1, 16, 16, h, w);
        assertClose("pi kernel_out " + target, got, ref, 1e-5);

        int rank = Fixtures.caseJson(dir).get("targets").get(target).get("rank_of_B").asInt();
        assertThat(Resize.rank(Resize.resizeBasis(16, 16, h, w))).as("rank of B").isEqualTo(rank);
        // the golden kernels are bounded (the reference's broken pinv gave ~1e13 at 128x4)
        double maxAbs = 0;
        for (float v : got) maxAbs = Math.max(maxAbs, Math.abs(v));
        assertThat(maxAbs).isLessThan(1.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"8x8", "16x32"})
    void piMatrixMatchesReferencePinv(String target) {
        Path dir = Fixtures.caseDir("resize", "pi_resize_kernel16");
        int h = Integer.parseInt(target.split("x")[0]);
        int w = Integer.parseInt(target.split("x")[1]);
        Npy.Array ref = Fixtures.npy(dir, "pinv_" + target + ".npy");
        double[][] p = Resize.piMatrix(16, 16, h, w);
        assertThat(ref.shape()).containsExactly(h * w, 256);
        assertClose("pinv " + target, flat(p), ref, 1e-5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"16x32", "16x64", "8x8", "32x32", "128x4"})
    void bilinearKernelMatchesReference(String target) {
        Path dir = Fixtures.caseDir("resize", "bilinear_aa_kernel16");
        int h = Integer.parseInt(target.split("x")[0]);
        int w = Integer.parseInt(target.split("x")[1]);
        assertClose("bl aa_axis_matrix_h " + target, flat(Resize.bilinearAntialias(16, h)),
                Fixtures.npy(dir, "aa_axis_matrix_h_" + target + ".npy"), 1e-6);
        assertClose("bl aa_axis_matrix_w " + target, flat(Resize.bilinearAntialias(16, w)),
                Fixtures.npy(dir, "aa_axis_matrix_w_" + target + ".npy"), 1e-6);
        float[] got = Resize.bilinearKernel(Fixtures.npy(dir, "kernel_in.npy").f32(), 8, 1, 16, 16, h, w);
        assertClose("bl kernel_out " + target, got, Fixtures.npy(dir, "kernel_out_" + target + ".npy"), 1e-6);
    }

    @ParameterizedTest
    @ValueSource(strings = {"12x9_to_12x4", "8x64_to_8x16", "8x16_to_8x64", "8x64_to_5x21"})
    void posEmbedResampleMatchesReference(String key) {
        Path dir = Fixtures.caseDir("resize", "posembed_resample");
        String[] g = key.split("_to_");
        int h = Integer.parseInt(g[0].split("x")[0]);
        int w = Integer.parseInt(g[0].split("x")[1]);
        int h2 = Integer.parseInt(g[1].split("x")[0]);
        int w2 = Integer.parseInt(g[1].split("x")[1]);
        int d = 8;
        // the case states its tolerance (1e-7: float32 rounding of the same arithmetic)
        double tol = Fixtures.caseJson(dir).path("tolerance").path("abs").asDouble(Double.NaN);
        assertThat(tol).as("posembed_resample/case.json tolerance.abs").isEqualTo(1e-7);
        float[] pe = Fixtures.npy(dir, "posemb_in_" + key + ".npy").f32();

        // AST style: the grid [1, D, H, W] through F.interpolate (no antialias)
        float[] grid = new float[d * h * w];
        for (int c = 0; c < d; c++) for (int p = 0; p < h * w; p++) grid[c * h * w + p] = pe[(1 + p) * d + c];
        Npy.Array astRef = Fixtures.npy(dir, "ast_bilinear_" + key + ".npy");
        assertThat(astRef.shape()).containsExactly(1, d, h2, w2);
        assertClose("posembed ast_bilinear " + key, Resize.interpolateGrid(grid, d, h, w, h2, w2), astRef, tol);

        // the same through the token-layout resampler without antialias
        float[] plain = Resize.resamplePosEmbed(pe, 1, d, h, w, h2, w2, false);
        float[] plainGrid = new float[d * h2 * w2];
        for (int c = 0; c < d; c++) for (int p = 0; p < h2 * w2; p++) plainGrid[c * h2 * w2 + p] = plain[(1 + p) * d + c];
        assertClose("posembed plain token layout " + key, plainGrid, astRef, tol);

        // FlexiAST/timm resample_abs_pos_embed: antialias, prefix token kept
        float[] aa = Resize.resamplePosEmbed(pe, 1, d, h, w, h2, w2, true);
        assertClose("posembed resample_abs_aa " + key, aa, Fixtures.npy(dir, "resample_abs_aa_" + key + ".npy"), tol);
        assertThat(Arrays.copyOf(aa, d)).containsExactly(Arrays.copyOf(pe, d));
    }

    static float[] flat(double[][] a) {
        float[] f = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) f[i * a[0].length + j] = (float) a[i][j];
        return f;
    }

    /** Asserts shape-compatible size and worst |Δ| ≤ tol; prints the worst |Δ| for the record. */
    static double assertClose(String what, float[] got, Npy.Array ref, double tol) {
        float[] r = ref.f32();
        assertThat(got).as(what + " size").hasSize(r.length);
        double worst = 0;
        for (int i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs((double) got[i] - r[i]));
        System.out.printf(java.util.Locale.ROOT, "PARITY %-45s worst |d| = %.3e (tol %.0e)%n", what, worst, tol);
        assertThat(worst).as(what + " max |diff|").isLessThanOrEqualTo(tol);
        return worst;
    }
}
