package org.tempora.resolution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.tempora.nn.Ops;

/**
 * The parameter-free steps of DiffRes (reference-spec §1.3–1.6) as pure functions on DJL arrays, so each can be
 * tested on its own: score normalisation, the O(T) frame-warping matrix, average / max / resolution-encoding
 * aggregation and the guide loss. All arrays are float32, as the reference; every branch decision (which samples
 * are rescaled, which output cell a frame falls in, which frame wins a max) is taken on the host from the values,
 * and the values themselves are computed with differentiable ops, so gradients follow the reference's.
 *
 * <p>Memory: every result is attached to the manager of the first (activation) operand; the few constants
 * (masks, indices) are created on that same manager.
 */
public final class DiffResOps {
    private DiffResOps() {}

    /** {@code log(· + EPS)} of the aggregated outputs. */
    public static final float EPS = 1e-12f;
    /** Scores strictly inside (RESCALE_MIN, RESCALE_MAX) take part in the deficit push. */
    public static final float RESCALE_MIN = 1e-4f;
    public static final float RESCALE_MAX = 1f - 1e-4f;
    /** The reference's grouping hack in the max-pool: cumulative masses with fractional part below this move down. */
    public static final float GROUP_SHIFT = 1e-2f;

    // ------------------------------------------------------------------------------------------- score_norm

    /**
     * Normalised scores and, per sample, which branch of the reference's {@code score_norm} fired.
     *
     * @param score     {@code [B, T]}, {@code 0 < s ≤ 1}, summing to t (or up to 1 less, see §1.3)
     * @param rescaled  the max after the sum normalisation was ≥ 1, so the sample was divided by it
     * @param pushed    the deficit {@code t − Σs} after the rescale was ≥ 1, so scores were pushed towards 1
     * @param alpha     the push coefficient α (NaN when not pushed)
     * @param alphaClipped α came out above 1 and was replaced by the constant 1
     */
    public record ScoreNorm(NDArray score, boolean[] rescaled, boolean[] pushed, double[] alpha, boolean[] alphaClipped) {}

    /**
     * pydiffres {@code score_norm} (reference-spec §1.3): {@code s ← s/Σs·t}; samples whose max is ≥ 1 are divided by
     * it; if any sample was, each sample with a deficit {@code d = t − Σs ≥ 1} gets {@code s_j += α(1 − s_j)} on the
     * frames with {@code RESCALE_MIN < s_j < RESCALE_MAX}, {@code α = min(1, d / Σ(1 − s_j))}.
     *
     * <p>Gradients flow as in the reference's in-place autograd: through the sum, through the max (to its argmax
     * frame) and through α, except where α was clipped to the constant 1. The branch tests are host-side.
     *
     * @param raw {@code [B, T]} scores in (0, 1)
     * @param t   target length
     */
    public static ScoreNorm scoreNorm(NDArray raw, int t) {
        NDManager m = raw.getManager();
        int b = Math.toIntExact(raw.getShape().get(0));
        int frames = Math.toIntExact(raw.getShape().get(1));
        NDArray s = Ops.mul(raw.div(raw.sum(new int[] {1}, true)), t);
        float[] max = s.max(new int[] {1}, true).toFloatArray();
        boolean[] rescaled = new boolean[b];
        boolean[] pushed = new boolean[b];
        boolean[] clipped = new boolean[b];
        double[] alpha = new double[b];
        Arrays.fill(alpha, Double.NaN);
        boolean any = false;
        float[] flag = new float[b];
        for (int i = 0; i < b; i++) {
            rescaled[i] = max[i] >= 1f;
            any |= rescaled[i];
            flag[i] = rescaled[i] ? 1f : 0f;
        }
        if (!any) return new ScoreNorm(s, rescaled, pushed, alpha, clipped);
        // divisor = max where rescaled, exactly 1 elsewhere (m·1 + 0 = m and m·0 + 1 = 1 are exact)
        NDArray f = m.create(flag, new Shape(b, 1));
        NDArray divisor = s.max(new int[] {1}, true).mul(f).add(f.neg().add(1f));
        s = s.div(divisor);

        NDArray deficit = s.sum(new int[] {1}).neg().add((float) t);
        float[] d = deficit.toFloatArray();
        float[] sv = s.toFloatArray();
        float[] inside = new float[b * frames];
        for (int i = 0; i < inside.length; i++) inside[i] = sv[i] < RESCALE_MAX && sv[i] > RESCALE_MIN ? 1f : 0f;
        NDArray a = m.create(inside, new Shape(b, frames));
        NDArray headroom = s.neg().add(1f).mul(a);
        NDArray headroomSum = headroom.sum(new int[] {1});
        float[] hs = headroomSum.toFloatArray();
        float[] useAlpha = new float[b];
        float[] constant = new float[b];
        float[] safe = new float[b];
        boolean anyPush = false;
        for (int i = 0; i < b; i++) {
            safe[i] = 1f;
            if (!(d[i] >= 1f)) continue;
            pushed[i] = true;
            anyPush = true;
            float raw32 = d[i] / hs[i];
            alpha[i] = raw32;
            if (raw32 > 1f || !Float.isFinite(raw32)) {
                clipped[i] = true;
                alpha[i] = 1.0;
                constant[i] = 1f; // the reference replaces α by the Python constant 1: no gradient through it
            } else {
                useAlpha[i] = 1f;
                safe[i] = 0f;
            }
        }
        if (!anyPush) return new ScoreNorm(s, rescaled, pushed, alpha, clipped);
        NDArray use = m.create(useAlpha, new Shape(b));
        // α = d / Σ(1 − s) where used (divisor forced to 1 elsewhere, so no 0/0 reaches the gradient)
        NDArray coef = deficit.div(headroomSum.mul(use).add(m.create(safe, new Shape(b)))).mul(use)
                .add(m.create(constant, new Shape(b)));
        s = s.add(headroom.mul(coef.reshape(b, 1)));
        return new ScoreNorm(s, rescaled, pushed, alpha, clipped);
    }

    // ------------------------------------------------------------------------------------------- warping

    /**
     * The frame-warping matrix in its sparse form plus its dense placement. Frame j of sample b covers
     * {@code [c_{j−1}, c_j]} on the output time axis; it overlaps cell {@code cellA = ⌊c_{j−1}⌋} by {@code a} and,
     * when it crosses the next integer, cell {@code cellB = cellA + 1} by {@code b} (−1 marks "no cell": beyond t,
     * or no crossing).
     *
     * @param a      {@code [B, T]} overlap with {@code cellA}
     * @param b      {@code [B, T]} overlap with {@code cellB} (0 where none)
     * @param cellA  {@code [B·T]} row-major
     * @param cellB  {@code [B·T]}
     * @param dense  {@code [B, T, t]} W with {@code W[j, i] = clip(min(c_j, i+1) − max(c_{j−1}, i), 0, 1)}
     */
    public record Warp(NDArray a, NDArray b, int[] cellA, int[] cellB, NDArray dense, int batch, int frames, int out) {}

    /**
     * Builds W in O(T) from the normalised scores (reference-spec §1.4): the cumulative score {@code c} (libtorch
     * cumsum, accumulated in double as the reference's), the cell index {@code k = ⌊c_{j−1}⌋} computed on the host
     * without gradient, and the two overlap lengths as differentiable elementwise ops on {@code [B, T]}:
     * {@code a = s} if the frame stays in cell k, else {@code a = (k+1) − c_{j−1}} and {@code b = s − a}. A frame
     * has {@code s ≤ 1}, so it touches at most cells k and k+1. These are the overlap formula's values and
     * derivatives, written so that a frame inside one cell gets exactly its score (no cancellation of two large
     * cumulative sums).
     *
     * <p>The dense {@code [B, T, t]} matrix holds the ≤ 2 values per row at their columns (one-hot products), so the
     * aggregations are plain batched matmuls: exact, stable next to digital silence, and differentiable through
     * {@code a} and {@code b} into the scores.
     */
    public static Warp warp(NDArray score, int t) {
        NDManager m = score.getManager();
        int bsz = Math.toIntExact(score.getShape().get(0));
        int frames = Math.toIntExact(score.getShape().get(1));
        NDArray c = score.cumSum(1);
        NDArray prev = frames == 1 ? c.zerosLike()
                : NDArrays.concat(new NDList(c.zerosLike().get(":, 0:1"), c.get(":, 0:" + (frames - 1))), 1);
        float[] cv = c.toFloatArray();
        float[] pv = prev.toFloatArray();
        int n = bsz * frames;
        int[] cellA = new int[n];
        int[] cellB = new int[n];
        boolean[] cross = new boolean[n];
        float[] kp1 = new float[n];
        for (int i = 0; i < n; i++) {
            int k = (int) Math.floor(pv[i]);
            cross[i] = cv[i] > (float) (k + 1);
            kp1[i] = k + 1;
            cellA[i] = k < t ? k : -1;
            cellB[i] = cross[i] && k + 1 < t ? k + 1 : -1;
        }
        Shape bt = new Shape(bsz, frames);
        NDArray crossing = m.create(cross, bt);
        NDArray head = prev.neg().add(m.create(kp1, bt)); // (k+1) − c_{j−1}
        NDArray a = NDArrays.where(crossing, head, score).clip(0f, 1f);
        NDArray b = NDArrays.where(crossing, score.sub(head), score.zerosLike()).clip(0f, 1f);
        NDArray iota = m.arange(t).reshape(1, 1, t);
        NDArray ohA = m.create(cellA, new Shape(bsz, frames, 1)).eq(iota).toType(DataType.FLOAT32, false);
        NDArray ohB = m.create(cellB, new Shape(bsz, frames, 1)).eq(iota).toType(DataType.FLOAT32, false);
        NDArray dense = a.expandDims(2).mul(ohA).add(b.expandDims(2).mul(ohB));
        return new Warp(a, b, cellA, cellB, dense, bsz, frames, t);
    }

    /** {@code log(Wᵀ exp(X) + EPS)}: {@code [B, t, F]} from {@code E = exp(X) [B, T, F]}. */
    public static NDArray averageChannel(Warp w, NDArray linear) {
        return w.dense().transpose(0, 2, 1).matMul(linear).add(EPS).log();
    }

    /**
     * {@code Wᵀ X / Wᵀ 1}: the weighted mean of the log values, {@code [B, t, F]} from {@code X [B, T, F]} (ours; no
     * reference has it). Where {@link #averageChannel} averages in the power domain, this averages where average
     * pooling does, so with every score at the uniform rate t/T (T a multiple of t) it is {@code avgpool}. The column
     * sums {@code Wᵀ 1} are 1 for every full cell; where the scores sum to less than t (a deficit the score
     * normalisation leaves) one cell is partial and stays the mean of what it holds, and a cell with no mass (below
     * 1e-6) reads {@code log(1e-12)}, the value {@link #averageChannel} gives it.
     */
    public static NDArray logAverageChannel(Warp w, NDArray logMel) {
        NDArray mass = w.dense().sum(new int[] {1}).expandDims(2); // [B, t, 1]
        NDArray mean = w.dense().transpose(0, 2, 1).matMul(logMel).div(Ops.maximum(mass, 1e-6)); // not maximum(1e-6f): Ops.mul
        NDArray empty = mass.lt(1e-6f).broadcast(mean.getShape());
        return NDArrays.where(empty, mean.zerosLike().add((float) Math.log(EPS)), mean);
    }

    /** {@code Wᵀ P}: {@code [B, t, F]} from the table {@code P [1, T, F]}. */
    public static NDArray resolutionEncoding(Warp w, NDArray posEmb) {
        return w.dense().transpose(0, 2, 1).matMul(posEmb);
    }

    // ------------------------------------------------------------------------------------------- max-pool

    /**
     * The max channel as pydiffres computes it, and the grouping it used.
     *
     * @param channel     {@code [B, t, F]} {@code log(out/(1−δ) + EPS)}
     * @param parityOdd   {@code [B, T]} row sums of W over the odd columns
     * @param parityEven  {@code [B, T]} row sums over the even columns
     * @param groupOdd    {@code [B·T]} the odd group each frame falls in (column {@code 2g+1})
     * @param groupEven   {@code [B·T]} the even group (column {@code 2g})
     */
    public record MaxPool(NDArray channel, NDArray parityOdd, NDArray parityEven, long[] groupOdd, long[] groupEven) {}

    /**
     * pydiffres's max aggregation (its {@code calculate_scatter_maxpool_odd_even_lines}; fixtures README §2 "Max-pool —
     * exact algorithm"). For each parity p, {@code sc[j] = Σ_{i ≡ p} W[j, i]}; {@code c = cumsum(sc)} (float32,
     * accumulated as libtorch does); every {@code c[j]} with fractional part {@code < 0.01} is lowered by 0.01; the
     * group is {@code clip(⌊c⌋, 0, n_p − 1)} and the group's value is {@code max(0, max_j E[j, f]·sc[j])}, which goes
     * to column {@code 2g + p}. Finally {@code log(out · 1/(1−δ) + EPS)} with the float δ.
     *
     * <p>The winner of each (group, bin) is the first frame whose value is strictly greater than the running maximum
     * started at 0 (torch_scatter's {@code scatter_max} into zeros); the value is then gathered, so the gradient
     * reaches only that element, through both {@code E} and {@code sc}.
     */
    public static MaxPool referenceMaxPool(Warp w, NDArray linear, double reduction) {
        NDManager m = linear.getManager();
        int bsz = w.batch();
        int frames = w.frames();
        int t = w.out();
        int bins = Math.toIntExact(linear.getShape().get(2));
        float[] onA = new float[bsz * frames];
        float[] onB = new float[bsz * frames];
        NDArray[] sc = new NDArray[2];
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < onA.length; i++) {
                onA[i] = w.cellA()[i] >= 0 && w.cellA()[i] % 2 == p ? 1f : 0f;
                onB[i] = w.cellB()[i] >= 0 && w.cellB()[i] % 2 == p ? 1f : 0f;
            }
            Shape bt = new Shape(bsz, frames);
            sc[p] = w.a().mul(m.create(onA, bt)).add(w.b().mul(m.create(onB, bt)));
        }
        int[] nGroups = {(t + 1) / 2, t / 2}; // even columns 0,2,… and odd columns 1,3,…
        long[][] group = new long[2][];
        NDArray[] values = new NDArray[2];
        float[][] vals = new float[2][];
        for (int p = 0; p < 2; p++) {
            group[p] = groups(sc[p].cumSum(1).toFloatArray(), nGroups[p]);
            values[p] = linear.mul(sc[p].expandDims(2));
            vals[p] = values[p].toFloatArray();
        }
        // winner index into concat(values[even], values[odd]) along time, per output cell and bin
        long[] index = new long[bsz * t * bins];
        float[] hit = new float[bsz * t * bins];
        float[] best = new float[bsz * t * bins];
        for (int p = 0; p < 2; p++) {
            if (nGroups[p] == 0) continue;
            for (int b = 0; b < bsz; b++) {
                for (int j = 0; j < frames; j++) {
                    int r = b * frames + j;
                    offer((int) (2 * group[p][r] + p), vals[p], r, j, p * frames, b, t, bins, index, hit, best);
                }
            }
        }
        NDArray out = gatherWinners(NDArrays.concat(new NDList(values[0], values[1]), 1), index, hit, bsz, t, bins, m);
        NDArray channel = Ops.mul(out, (float) (1.0 / (1.0 - reduction))).add(EPS).log();
        return new MaxPool(channel, sc[1], sc[0], group[1], group[0]);
    }

    /**
     * The reference's group of each frame from the cumulative parity mass {@code c} (one parity, row-major
     * {@code [B, T]}): values with fractional part below 0.01 are lowered by 0.01 (in float, as the reference), then
     * {@code clip(⌊c⌋, 0, n − 1)}.
     */
    public static long[] groups(float[] cumulative, int n) {
        long[] g = new long[cumulative.length];
        for (int i = 0; i < g.length; i++) {
            float x = cumulative[i];
            if (x - (float) Math.floor(x) < GROUP_SHIFT) x -= GROUP_SHIFT;
            g[i] = Math.max(0, Math.min((long) Math.floor(x), Math.max(n, 1) - 1));
        }
        return g;
    }

    /**
     * The clean max aggregation {@code log(max(0, max_j W[j, i]·E[j, f})/(1−δ) + EPS)} ({@code resolution.maxpool:
     * exact}): every frame competes in each cell it overlaps, with its overlap with that cell. It differs from the
     * reference only in cells touched by the reference's 0.01 grouping hack (up to 3.2 in the log domain in the
     * fixtures). Ties: the first frame wins, as above.
     */
    public static NDArray exactMaxPool(Warp w, NDArray linear, double reduction) {
        NDManager m = linear.getManager();
        int bsz = w.batch();
        int frames = w.frames();
        int t = w.out();
        int bins = Math.toIntExact(linear.getShape().get(2));
        NDArray va = linear.mul(w.a().expandDims(2));
        NDArray vb = linear.mul(w.b().expandDims(2));
        float[] fa = va.toFloatArray();
        float[] fb = vb.toFloatArray();
        long[] index = new long[bsz * t * bins];
        float[] hit = new float[bsz * t * bins];
        float[] best = new float[bsz * t * bins];
        for (int b = 0; b < bsz; b++) {
            for (int j = 0; j < frames; j++) {
                int r = b * frames + j;
                // in j order, so that the first of equal maxima wins
                offer(w.cellA()[r], fa, r, j, 0, b, t, bins, index, hit, best);
                offer(w.cellB()[r], fb, r, j, frames, b, t, bins, index, hit, best);
            }
        }
        NDArray out = gatherWinners(NDArrays.concat(new NDList(va, vb), 1), index, hit, bsz, t, bins, m);
        return Ops.mul(out, (float) (1.0 / (1.0 - reduction))).add(EPS).log();
    }

    private static void offer(int cell, float[] v, int row, int j, int offset, int b, int t, int bins,
                              long[] index, float[] hit, float[] best) {
        if (cell < 0) return;
        int base = row * bins;
        for (int f = 0; f < bins; f++) {
            int o = (b * t + cell) * bins + f;
            if (v[base + f] > best[o]) {
                best[o] = v[base + f];
                index[o] = (long) offset + j;
                hit[o] = 1f;
            }
        }
    }

    private static NDArray gatherWinners(NDArray candidates, long[] index, float[] hit, int bsz, int t, int bins, NDManager m) {
        Shape s = new Shape(bsz, t, bins);
        return candidates.gather(m.create(index, s), 1).mul(m.create(hit, s));
    }

    // ------------------------------------------------------------------------------------------- guide loss

    /**
     * @param loss        0-d: the guide loss to add to the training loss
     * @param scoreStd    monitoring only: the mean over all B samples of the unbiased std of each sample's scores (every
     *                    frame, every clip): how far the scores are from uniform, whether or not the batch has silence
     * @param emptyClips  monitoring only: the fraction of samples with at least one empty frame (the only ones that
     *                    enter {@code activeness} and the guide loss)
     * @param activeness  monitoring only: summed unbiased std of the non-empty frames' scores / B, over the samples
     *                    that have an empty frame
     * @param empty       {@code [B·T]} the empty-frame mask
     * @param perSample   {@code g_b}, the mean score of sample b's empty frames (NaN if none)
     */
    public record Guide(NDArray loss, double activeness, boolean[] empty, double[] perSample, double scoreStd, double emptyClips) {}

    /**
     * pydiffres {@code guide_loss} (reference-spec §1.6 with the fixture corrections): frame energy
     * {@code e = mean_f exp(X)}; a frame is empty when {@code e < min over the whole batch + 1e-6} (a SpecAugment band
     * set to 0 in the log domain is loud, not empty); {@code g_b} = mean normalised score of sample b's empty frames;
     * loss {@code = Σ_b [g_b > (1−δ)/2]·g_b / B}. Activeness {@code = Σ_b std(non-empty scores of b)/B} over the
     * samples that have at least one empty frame (and two non-empty ones).
     *
     * @param linear {@code exp(X)} {@code [B, T, F]}
     * @param score  normalised scores {@code [B, T]}
     */
    public static Guide guide(NDArray linear, NDArray score, double reduction) {
        NDManager m = score.getManager();
        int bsz = Math.toIntExact(score.getShape().get(0));
        int frames = Math.toIntExact(score.getShape().get(1));
        float[] e = linear.mean(new int[] {2}).toFloatArray();
        float min = Float.POSITIVE_INFINITY;
        for (float v : e) min = Math.min(min, v);
        float threshold = min + 1e-6f;
        boolean[] empty = new boolean[e.length];
        float[] mask = new float[e.length];
        float[] sv = score.toFloatArray();
        float[] inv = new float[bsz];
        double[] per = new double[bsz];
        double activeness = 0;
        double scoreStd = 0;
        int withEmpty = 0;
        boolean[] none = new boolean[sv.length];
        float limit = (float) ((1 - reduction) * 0.5);
        for (int b = 0; b < bsz; b++) {
            int count = 0;
            double sum = 0;
            for (int j = 0; j < frames; j++) {
                int i = b * frames + j;
                empty[i] = e[i] < threshold;
                if (empty[i]) {
                    mask[i] = 1f;
                    count++;
                    sum += sv[i];
                }
            }
            per[b] = count == 0 ? Double.NaN : sum / count;
            scoreStd += std(sv, none, b * frames, frames) / bsz;
            if (count == 0) continue;
            withEmpty++;
            if ((float) per[b] > limit) inv[b] = 1f / count;
            activeness += std(sv, empty, b * frames, frames) / bsz;
        }
        NDArray loss = Ops.div(score.mul(m.create(mask, new Shape(bsz, frames))).sum(new int[] {1})
                .mul(m.create(inv, new Shape(bsz))).sum(), bsz);
        return new Guide(loss, activeness, empty, per, scoreStd, withEmpty / (double) bsz);
    }

    /** Unbiased std of the scores of one sample's non-empty frames; 0 when fewer than two (the reference's NaN, skipped). */
    private static double std(float[] s, boolean[] empty, int offset, int n) {
        double sum = 0;
        int k = 0;
        for (int j = 0; j < n; j++) {
            if (!empty[offset + j]) {
                sum += s[offset + j];
                k++;
            }
        }
        if (k < 2) return 0;
        double mean = sum / k;
        double ss = 0;
        for (int j = 0; j < n; j++) {
            if (!empty[offset + j]) ss += (s[offset + j] - mean) * (s[offset + j] - mean);
        }
        return Math.sqrt(ss / (k - 1));
    }

    // ------------------------------------------------------------------------------------------- table

    /**
     * The resolution-encoding table {@code P [1, T, F]} as pydiffres's {@code PositionalEncoding} computes it in
     * float32: {@code P[j, 2k] = sin(j·w_k)}, {@code P[j, 2k+1] = cos(j·w_k)}, {@code w_k = exp(2k·(−ln 10⁴/F))}, with
     * every product rounded to float as torch does. For odd F (where the reference fails with a shape error) the last
     * column is a sine.
     */
    public static float[] sinusoidTable(int frames, int bins) {
        float[] p = new float[frames * bins];
        float scale = (float) (-Math.log(10000.0) / bins);
        int half = (bins + 1) / 2;
        float[] div = new float[half];
        for (int k = 0; k < half; k++) div[k] = (float) Math.exp((float) (2 * k) * scale);
        for (int j = 0; j < frames; j++) {
            for (int k = 0; k < half; k++) {
                float arg = (float) j * div[k];
                p[j * bins + 2 * k] = (float) Math.sin(arg);
                if (2 * k + 1 < bins) p[j * bins + 2 * k + 1] = (float) Math.cos(arg);
            }
        }
        return p;
    }
}
