package org.tempora.tokens;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;

/**
 * The resize operators that move token-dependent weights between shapes: bilinear resizing of positional-embedding
 * grids (AST's plain {@code F.interpolate} and FlexiAST/timm's anti-aliased {@code resample_abs_pos_embed}), AST's
 * ImageNet→audio positional-embedding adaptation (cut or interpolate), and patch-kernel resizing by bilinear
 * interpolation ("BL") or FlexiViT's pseudo-inverse resize ("PI").
 *
 * <p>Everything is written as explicit 1-D resize matrices applied separably, in plain Java: DJL's interpolation
 * forces anti-aliasing and ignores {@code align_corners}, so it cannot reproduce PyTorch's plain bilinear mode.
 * Arithmetic is float64 inside; tensors go in and out as float32 arrays. A 1-D matrix {@code A} has shape
 * {@code [nOut][nIn]} and maps a vector {@code x} to {@code A·x}.
 *
 * <p>Layouts are row-major. Grids are {@code [outer, h, w, inner]}: a patch kernel {@code [O, I, kh, kw]} has
 * {@code outer = O·I, inner = 1}; a positional-embedding table {@code [prefix + h·w, D]} (tokens, then channels;
 * row = frequency, column = time) has {@code outer = 1, inner = D} once the prefix tokens are set aside.
 */
public final class Resize {
    private Resize() {}

    /** How a patch-embedding kernel is resized when the patch shape changes. */
    public enum KernelMethod {
        /** "BL" (FlexiAST's vanilla resample): bilinear interpolation of the kernel itself, anti-aliased when shrinking. */
        BILINEAR,
        /** "PI" (FlexiViT): {@code ŵ = pinv(Bᵀ)·w}, so that {@code ⟨resize(x), ŵ⟩ = ⟨x, w⟩} for every patch x. */
        PI;

        /** Parses {@code pi}, {@code bilinear} (or {@code bl}). */
        public static KernelMethod parse(String s) {
            return switch (s == null ? "" : s.strip().toLowerCase(Locale.ROOT)) {
                case "pi", "pi-resize" -> PI;
                case "bilinear", "bl" -> BILINEAR;
                default -> throw new ConfigException("unknown patch-kernel resize '" + s + "' (pi, bilinear)");
            };
        }
    }

    /** Machine epsilon of float64, the unit of the pseudo-inverse cutoff. */
    static final double EPS = Math.ulp(1.0);

    /** Cache of PI matrices: they depend only on the two patch shapes and cost an SVD each. */
    private static final Map<String, double[][]> PI_CACHE = new ConcurrentHashMap<>();

    // ------------------------------------------------------------------------------------------ 1-D matrices

    /**
     * PyTorch's bilinear (linear) interpolation along one axis, {@code align_corners=False}, no anti-aliasing
     * (reference-spec §0.1): {@code src = (i + ½)·nIn/nOut − ½} clamped at 0, linear weights between
     * {@code ⌊src⌋} and the next sample (the last sample repeats at the edge). When shrinking by more than 2 some
     * inputs get no weight at all — which is why the PI-resize basis can be rank-deficient.
     */
    public static double[][] bilinear(int nIn, int nOut) {
        sizes(nIn, nOut);
        double scale = (double) nIn / nOut;
        double[][] a = new double[nOut][nIn];
        for (int i = 0; i < nOut; i++) {
            double src = (i + 0.5) * scale - 0.5;
            if (src < 0) src = 0;
            int i0 = Math.min((int) src, nIn - 1);
            int i1 = i0 < nIn - 1 ? i0 + 1 : i0;
            double l1 = Math.min(Math.max(src - i0, 0), 1);
            a[i][i0] += 1 - l1;
            a[i][i1] += l1;
        }
        return a;
    }

    /**
     * PyTorch's bilinear interpolation with {@code antialias=True} along one axis (reference-spec §0.2, PIL's
     * triangle filter): with {@code scale = nIn/nOut}, output i averages the inputs j in
     * {@code [trunc(c − s + ½), trunc(c + s + ½))} around {@code c = scale·(i + ½)} with weights
     * {@code tri((j − c + ½)/max(scale, 1))}, {@code s = max(scale, 1)}, normalised to sum 1. When enlarging
     * ({@code scale ≤ 1}) this is exactly {@link #bilinear}.
     */
    public static double[][] bilinearAntialias(int nIn, int nOut) {
        sizes(nIn, nOut);
        double scale = (double) nIn / nOut;
        double support = Math.max(scale, 1.0);
        double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
        double[][] a = new double[nOut][nIn];
        for (int i = 0; i < nOut; i++) {
            double center = scale * (i + 0.5);
            // (long) truncates toward zero, as the C++ cast in PyTorch's kernel does
            int xmin = (int) Math.max((long) (center - support + 0.5), 0L);
            int xmax = (int) Math.min((long) (center + support + 0.5), (long) nIn);
            double total = 0;
            for (int j = xmin; j < xmax; j++) {
                double w = Math.max(0, 1 - Math.abs((j - center + 0.5) * invScale));
                a[i][j] = w;
                total += w;
            }
            if (total != 0) {
                for (int j = xmin; j < xmax; j++) a[i][j] /= total;
            }
        }
        return a;
    }

    /** {@link #bilinearAntialias} or {@link #bilinear}. */
    public static double[][] axis(int nIn, int nOut, boolean antialias) {
        return antialias ? bilinearAntialias(nIn, nOut) : bilinear(nIn, nOut);
    }

    // ------------------------------------------------------------------------------------------ separable 2-D

    /**
     * Applies {@code out = A_h · X · A_wᵀ} to every {@code h × w} slice of {@code x [outer, h, w, inner]},
     * giving {@code [outer, h2, w2, inner]} with {@code h2 = A_h.length}, {@code w2 = A_w.length}.
     */
    public static float[] apply2d(float[] x, int outer, int h, int w, int inner, double[][] ah, double[][] aw) {
        checkMatrix(ah, h, "height");
        checkMatrix(aw, w, "width");
        length(x, (long) outer * h * w * inner, "apply2d");
        int h2 = ah.length;
        int w2 = aw.length;
        float[] out = new float[outer * h2 * w2 * inner];
        double[] tmp = new double[h * w2 * inner];
        double[] acc = new double[inner];
        for (int o = 0; o < outer; o++) {
            int base = o * h * w * inner;
            // along the width: tmp[r, j, :] = Σ_c A_w[j, c] · x[r, c, :]
            Arrays.fill(tmp, 0);
            for (int r = 0; r < h; r++) {
                for (int j = 0; j < w2; j++) {
                    int t = (r * w2 + j) * inner;
                    for (int c = 0; c < w; c++) {
                        double a = aw[j][c];
                        if (a == 0) continue;
                        int s = base + (r * w + c) * inner;
                        for (int k = 0; k < inner; k++) tmp[t + k] += a * x[s + k];
                    }
                }
            }
            // along the height: out[i, j, :] = Σ_r A_h[i, r] · tmp[r, j, :]
            int obase = o * h2 * w2 * inner;
            for (int i = 0; i < h2; i++) {
                for (int j = 0; j < w2; j++) {
                    Arrays.fill(acc, 0);
                    for (int r = 0; r < h; r++) {
                        double a = ah[i][r];
                        if (a == 0) continue;
                        int t = (r * w2 + j) * inner;
                        for (int k = 0; k < inner; k++) acc[k] += a * tmp[t + k];
                    }
                    int d = obase + (i * w2 + j) * inner;
                    for (int k = 0; k < inner; k++) out[d + k] = (float) acc[k];
                }
            }
        }
        return out;
    }

    /** Bilinear resize of every {@code h × w} slice of {@code x [outer, h, w, inner]} to {@code h2 × w2}. */
    public static float[] resize2d(float[] x, int outer, int h, int w, int inner, int h2, int w2, boolean antialias) {
        return apply2d(x, outer, h, w, inner, axis(h, h2, antialias), axis(w, w2, antialias));
    }

    /**
     * AST's grid interpolation: {@code F.interpolate(grid, size=(h2, w2), mode='bilinear')} on a channel-major grid
     * {@code [C, h, w]} (align_corners False, no anti-aliasing), giving {@code [C, h2, w2]}.
     */
    public static float[] interpolateGrid(float[] grid, int channels, int h, int w, int h2, int w2) {
        return resize2d(grid, channels, h, w, 1, h2, w2, false);
    }

    // ------------------------------------------------------------------------------------------ positional embeddings

    /**
     * Resizes the patch part of a positional-embedding table {@code [prefix + h·w, dim]} to an {@code h2 × w2} grid,
     * keeping the {@code prefix} tokens (cls, dist) unchanged. With {@code antialias} this is timm/FlexiAST's
     * {@code resample_abs_pos_embed} (bilinear, anti-aliased when a grid axis shrinks); without, AST's plain
     * {@code F.interpolate(mode='bilinear')}. The two agree when no axis shrinks.
     */
    public static float[] resamplePosEmbed(float[] pe, int prefix, int dim, int h, int w, int h2, int w2, boolean antialias) {
        if (prefix < 0 || dim < 1) throw new ConfigException("positional embedding needs prefix >= 0 and dim >= 1");
        length(pe, (long) (prefix + h * w) * dim, "positional embedding of a " + h + "x" + w + " grid");
        float[] grid = Arrays.copyOfRange(pe, prefix * dim, pe.length);
        float[] resized = resize2d(grid, 1, h, w, dim, h2, w2, antialias);
        float[] out = new float[(prefix + h2 * w2) * dim];
        System.arraycopy(pe, 0, out, 0, prefix * dim);
        System.arraycopy(resized, 0, out, prefix * dim, resized.length);
        return out;
    }

    /**
     * AST's adaptation of an ImageNet (DeiT) positional-embedding table {@code [prefix + h0·w0, dim]} to an audio grid
     * {@code fDim × tDim} (reference-spec §2.4). The time axis goes first: if {@code tDim ≤ w0} the centre columns
     * {@code [⌊w0/2⌋ − ⌊tDim/2⌋, … + tDim)} are cut, else the grid is bilinearly interpolated to {@code h0 × tDim};
     * then the frequency axis, the same way on rows, as a second interpolation to {@code fDim × tDim}. Prefix
     * tokens are kept. Interpolation is plain bilinear (no anti-aliasing), as AST calls {@code F.interpolate}.
     */
    public static float[] astAdaptPosEmbed(float[] pe, int prefix, int dim, int h0, int w0, int fDim, int tDim) {
        if (prefix < 0 || dim < 1 || fDim < 1 || tDim < 1) throw new ConfigException("invalid positional-embedding adaptation sizes");
        length(pe, (long) (prefix + h0 * w0) * dim, "positional embedding of a " + h0 + "x" + w0 + " grid");
        float[] grid = Arrays.copyOfRange(pe, prefix * dim, pe.length);
        int h = h0;
        int w = w0;
        if (tDim <= w) {
            grid = cut(grid, h, w, dim, 0, h, w / 2 - tDim / 2, tDim);
        } else {
            grid = resize2d(grid, 1, h, w, dim, h, tDim, false);
        }
        w = tDim;
        if (fDim <= h) {
            grid = cut(grid, h, w, dim, h / 2 - fDim / 2, fDim, 0, w);
        } else {
            grid = resize2d(grid, 1, h, w, dim, fDim, w, false);
        }
        float[] out = new float[(prefix + fDim * tDim) * dim];
        System.arraycopy(pe, 0, out, 0, prefix * dim);
        System.arraycopy(grid, 0, out, prefix * dim, grid.length);
        return out;
    }

    /** Rows {@code [r0, r0+nr)} and columns {@code [c0, c0+nc)} of a grid {@code [h, w, inner]}. */
    private static float[] cut(float[] grid, int h, int w, int inner, int r0, int nr, int c0, int nc) {
        float[] out = new float[nr * nc * inner];
        for (int r = 0; r < nr; r++) {
            System.arraycopy(grid, ((r0 + r) * w + c0) * inner, out, r * nc * inner, nc * inner);
        }
        return out;
    }

    /**
     * Sums a kernel {@code [O, I, kh, kw]} over its input channels, giving {@code [O, 1, kh, kw]}: AST's way of
     * turning an RGB patch embedding into a one-channel (spectrogram) one. AuM averages instead.
     */
    public static float[] sumInputChannels(float[] w, int out, int in, int kh, int kw) {
        length(w, (long) out * in * kh * kw, "kernel");
        int k = kh * kw;
        float[] s = new float[out * k];
        for (int o = 0; o < out; o++) {
            for (int p = 0; p < k; p++) {
                double acc = 0;
                for (int c = 0; c < in; c++) acc += w[(o * in + c) * k + p];
                s[o * k + p] = (float) acc;
            }
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------ patch kernels

    /**
     * The resize basis {@code B = kron(A_h, A_w)} of shape {@code [kh2·kw2, kh·kw]} (plain bilinear axis matrices):
     * column k is the flattened resize of the k-th one-hot {@code kh × kw} patch.
     */
    public static double[][] resizeBasis(int kh, int kw, int kh2, int kw2) {
        double[][] ah = bilinear(kh, kh2);
        double[][] aw = bilinear(kw, kw2);
        double[][] b = new double[kh2 * kw2][kh * kw];
        for (int i = 0; i < kh2; i++) {
            for (int j = 0; j < kw2; j++) {
                double[] row = b[i * kw2 + j];
                for (int r = 0; r < kh; r++) {
                    if (ah[i][r] == 0) continue;
                    for (int c = 0; c < kw; c++) row[r * kw + c] = ah[i][r] * aw[j][c];
                }
            }
        }
        return b;
    }

    /**
     * FlexiViT's PI-resize matrix {@code P = pinv(Bᵀ)} of shape {@code [kh2·kw2, kh·kw]}: a kernel resized from
     * {@code kh × kw} to {@code kh2 × kw2} is {@code ŵ = P·w} (flattened row-major). Upsampling gives
     * {@code ⟨B·x, ŵ⟩ = ⟨x, w⟩} exactly; downsampling gives the least-squares {@code ŵ} over {@code x ~ N(0, I)}.
     * Cached per shape pair; the returned array is a copy.
     */
    public static double[][] piMatrix(int kh, int kw, int kh2, int kw2) {
        return deepCopy(piMatrixShared(kh, kw, kh2, kw2));
    }

    private static double[][] piMatrixShared(int kh, int kw, int kh2, int kw2) {
        sizes(kh, kh2);
        sizes(kw, kw2);
        return PI_CACHE.computeIfAbsent(kh + "x" + kw + "->" + kh2 + "x" + kw2,
                k -> pinv(transpose(resizeBasis(kh, kw, kh2, kw2))));
    }

    /**
     * Moore–Penrose pseudo-inverse by SVD in float64, keeping singular values above
     * {@code max(m, n)·eps·σ_max} (NumPy's and PyTorch's default relative cutoff). The cutoff matters: the 16×16 →
     * 128×4 PI basis has rank 64 of 256, and inverting its rounding-level singular values (as the reference's
     * float32 {@code np.linalg.pinv(rcond=1e-15)} does) gives values near 1e13.
     *
     * @param a {@code [m][n]}
     * @return {@code [n][m]}
     */
    public static double[][] pinv(double[][] a) {
        int m = a.length;
        int n = m == 0 ? 0 : a[0].length;
        if (m == 0 || n == 0) throw new ConfigException("pseudo-inverse of an empty matrix");
        DMatrixRMaj mat = new DMatrixRMaj(a);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, true, true, true);
        if (!svd.decompose(mat)) throw new IllegalStateException("SVD did not converge for a " + m + "x" + n + " matrix");
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj v = svd.getV(null, false);
        double[] s = svd.getSingularValues();
        int k = svd.numberOfSingularValues();
        double max = 0;
        for (int i = 0; i < k; i++) max = Math.max(max, s[i]);
        double cutoff = Math.max(m, n) * EPS * max;
        double[][] out = new double[n][m];
        for (int i = 0; i < k; i++) {
            if (!(s[i] > cutoff)) continue;
            double inv = 1.0 / s[i];
            for (int r = 0; r < n; r++) {
                double vr = v.get(r, i) * inv;
                if (vr == 0) continue;
                double[] row = out[r];
                for (int c = 0; c < m; c++) row[c] += vr * u.get(c, i);
            }
        }
        return out;
    }

    /** Number of singular values of {@code a} above the {@link #pinv} cutoff. */
    public static int rank(double[][] a) {
        DMatrixRMaj mat = new DMatrixRMaj(a);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(a.length, a[0].length, false, false, true);
        if (!svd.decompose(mat)) throw new IllegalStateException("SVD did not converge");
        double[] s = svd.getSingularValues();
        double max = 0;
        for (int i = 0; i < svd.numberOfSingularValues(); i++) max = Math.max(max, s[i]);
        double cutoff = Math.max(a.length, a[0].length) * EPS * max;
        int r = 0;
        for (int i = 0; i < svd.numberOfSingularValues(); i++) if (s[i] > cutoff) r++;
        return r;
    }

    /**
     * PI-resize of a kernel {@code [O, I, kh, kw]} to {@code [O, I, kh2, kw2]}: {@code ŵ = pinv(Bᵀ)·w} for each
     * (output, input) channel pair. The bias is not part of it (it stays unchanged). Same shape: a plain copy.
     */
    public static float[] piResize(float[] w, int out, int in, int kh, int kw, int kh2, int kw2) {
        length(w, (long) out * in * kh * kw, "kernel");
        if (kh == kh2 && kw == kw2) return w.clone();
        double[][] p = piMatrixShared(kh, kw, kh2, kw2);
        int k = kh * kw;
        int k2 = kh2 * kw2;
        float[] res = new float[out * in * k2];
        for (int ch = 0; ch < out * in; ch++) {
            int src = ch * k;
            int dst = ch * k2;
            for (int i = 0; i < k2; i++) {
                double[] row = p[i];
                double acc = 0;
                for (int j = 0; j < k; j++) acc += row[j] * w[src + j];
                res[dst + i] = (float) acc;
            }
        }
        return res;
    }

    /**
     * "BL" kernel resize (FlexiAST's {@code vanilla_resample_patch_embed}): {@code F.interpolate(w, (kh2, kw2),
     * mode='bilinear', antialias=True)} per channel pair. Unlike PI it does not preserve the patch responses.
     */
    public static float[] bilinearKernel(float[] w, int out, int in, int kh, int kw, int kh2, int kw2) {
        length(w, (long) out * in * kh * kw, "kernel");
        if (kh == kh2 && kw == kw2) return w.clone();
        return resize2d(w, out * in, kh, kw, 1, kh2, kw2, true);
    }

    /** {@link #piResize} or {@link #bilinearKernel}. */
    public static float[] resizeKernel(float[] w, int out, int in, int kh, int kw, int kh2, int kw2, KernelMethod method) {
        return method == KernelMethod.PI ? piResize(w, out, in, kh, kw, kh2, kw2) : bilinearKernel(w, out, in, kh, kw, kh2, kw2);
    }

    // ------------------------------------------------------------------------------------------ helpers

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        return t;
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    private static void sizes(int nIn, int nOut) {
        if (nIn < 1 || nOut < 1) throw new ConfigException("resize sizes must be >= 1, got " + nIn + " -> " + nOut);
    }

    private static void checkMatrix(double[][] a, int nIn, String axis) {
        if (a.length == 0 || a[0].length != nIn) {
            throw new ConfigException("the " + axis + " resize matrix expects " + (a.length == 0 ? 0 : a[0].length)
                    + " inputs but the grid has " + nIn);
        }
    }

    private static void length(float[] x, long expected, String what) {
        if (x.length != expected) {
            throw new InvalidInputException("Resize", what + " has " + x.length + " values, expected " + expected);
        }
    }
}
