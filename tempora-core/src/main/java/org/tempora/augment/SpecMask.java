package org.tempora.augment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.tempora.ConfigException;
import org.tempora.config.ExperimentConfig;

/**
 * SpecMask (Makineni, Geng, Tian 2025, reference-spec §4.2): patch-aligned masking of one raw log-mel example
 * {@code [frames, bins]} under a fixed budget. The paper's body was not available, so the structure follows its
 * abstract and every constant is a parameter:
 * <ul>
 *   <li><b>Grid.</b> The time grid of the patch embedding: patch k covers frames {@code [k·s, k·s + w)},
 *       {@code k = 0 … N−1}, {@code N = ⌊(T − w)/s⌋ + 1} (FFTP width/stride, or the time size/stride of square
 *       patches). The budget is measured on the area those patches see ({@code A} = frames covered by some patch ×
 *       bins); frames past the last patch are never seen by the model and never masked.</li>
 *   <li><b>Budget.</b> About {@code ρ·A} cells are masked: a share λ by <em>full-frequency</em> masks (all bins of a
 *       patch's time span), the rest by <em>localised</em> rectangles ({@code h} bins × the span of one patch, at a
 *       uniformly random frequency offset).</li>
 *   <li><b>Drawing.</b> Patches are drawn without replacement (a seeded shuffle). Full-frequency patches are added
 *       while that brings the full-frequency area closer to {@code λ·ρ·A}; then rectangles, on patches not already
 *       fully masked, while that brings the total masked area closer to {@code ρ·A} (the shuffle of the remaining
 *       patches is redrawn when exhausted, so several rectangles may share a span at different heights). Only newly
 *       masked cells count, so overlaps ({@code s < w}) never inflate the budget. Hence
 *       {@code |full − λρA| ≤ w·F/2} and {@code |masked − ρA| ≤ h·w/2} whenever the grid has room.</li>
 *   <li><b>Value.</b> Masked cells are set to {@code maskValue}, 0 by default: the value AST's SpecAugment writes in
 *       the log-mel domain before normalisation (tempora's {@link FeatureMasker} contract), so SpecAugment and
 *       SpecMask runs differ only in where they mask. The alternative (the dataset mean, i.e. 0 after
 *       normalisation) is available through the constructor.</li>
 * </ul>
 * Deterministic for a given generator state: only {@code rng} is used.
 */
public final class SpecMask implements FeatureMasker {
    private final double ratio;
    private final double lambda;
    private final int freqHeight;
    private final int patchWidth;
    private final int patchStride;
    private final float maskValue;

    /** One planned mask: time span {@code [start, start + width)} × bins {@code [f0, f0 + height)}. */
    public record Region(int patch, int start, int width, int f0, int height, boolean fullFrequency) {}

    /** The masks of one example and the cells they cover. */
    public record Plan(int frames, int bins, List<Region> regions, boolean[] cells, int area, int maskedCells, int fullFrequencyCells) {
        /** Masked fraction of the patch-covered area. */
        public double maskedFraction() {
            return area == 0 ? 0 : (double) maskedCells / area;
        }

        /** Share of the masked cells that come from full-frequency masks. */
        public double fullFrequencyShare() {
            return maskedCells == 0 ? 0 : (double) fullFrequencyCells / maskedCells;
        }
    }

    /**
     * @param ratio       ρ, masked fraction of the patch-covered area, in [0, 1)
     * @param lambda      λ, share of the budget for full-frequency masks, in [0, 1]
     * @param freqHeight  h, bins per localised rectangle (clipped to the number of bins)
     * @param patchWidth  w, patch width in frames
     * @param patchStride s, patch stride in frames
     * @param maskValue   value written into masked cells (0 = AST's SpecAugment convention)
     */
    public SpecMask(double ratio, double lambda, int freqHeight, int patchWidth, int patchStride, float maskValue) {
        if (!(ratio >= 0 && ratio < 1)) throw new ConfigException("augment.specmask_ratio must be in [0, 1), got " + ratio);
        if (!(lambda >= 0 && lambda <= 1)) throw new ConfigException("augment.specmask_lambda must be in [0, 1], got " + lambda);
        if (freqHeight < 1) throw new ConfigException("augment.specmask_freq_height must be >= 1, got " + freqHeight);
        if (patchWidth < 1 || patchStride < 1) {
            throw new ConfigException("SpecMask patch width and stride must be >= 1, got " + patchWidth + " and " + patchStride);
        }
        this.ratio = ratio;
        this.lambda = lambda;
        this.freqHeight = freqHeight;
        this.patchWidth = patchWidth;
        this.patchStride = patchStride;
        this.maskValue = maskValue;
    }

    /**
     * SpecMask from {@code augment.specmask_*} on the time grid of {@code tokens} (FFTP: {@code fftp_width},
     * {@code fftp_stride}; square/rect: the time entries of {@code patch} and {@code stride}). With a resolution
     * stage the model's grid lives on the resolved frames, so masks are aligned to the grid in input frames only.
     *
     * @param bins mel bins of the examples (checked against the frequency height)
     */
    public static SpecMask fromConfig(ExperimentConfig cfg, int bins) {
        ExperimentConfig.Augment a = cfg.augment();
        ExperimentConfig.Tokens t = cfg.tokens();
        if (bins < 1) throw new ConfigException("SpecMask needs >= 1 mel bins, got " + bins);
        int w;
        int s;
        switch (t.kind()) {
            case FFTP -> {
                w = t.fftpWidth();
                s = t.fftpStride();
            }
            case SQUARE, RECT -> {
                if (t.patch().size() != 2 || t.stride().size() != 2) throw new ConfigException("tokens.patch and tokens.stride need two values (frequency, time)");
                w = t.patch().get(1);
                s = t.stride().get(1);
            }
            default -> throw new ConfigException("SpecMask: tokens.kind is not set (square, fftp)");
        }
        return new SpecMask(a.specmaskRatio(), a.specmaskLambda(), Math.min(a.specmaskFreqHeight(), bins), w, s, 0f);
    }

    public double ratio() {
        return ratio;
    }

    public double lambda() {
        return lambda;
    }

    public int freqHeight() {
        return freqHeight;
    }

    public int patchWidth() {
        return patchWidth;
    }

    public int patchStride() {
        return patchStride;
    }

    public float maskValue() {
        return maskValue;
    }

    @Override
    public void mask(float[] x, int offset, int frames, int bins, SplittableRandom rng) {
        Plan p = plan(frames, bins, rng);
        boolean[] c = p.cells();
        for (int i = 0; i < c.length; i++) {
            if (c[i]) x[offset + i] = maskValue;
        }
    }

    /** Number of patches of the time grid over {@code frames} (a clip shorter than one patch counts as one patch). */
    public int patches(int frames) {
        return frames <= patchWidth ? (frames > 0 ? 1 : 0) : (frames - patchWidth) / patchStride + 1;
    }

    /** Draws the masks of one example (the same draws {@link #mask} makes with the same generator state). */
    public Plan plan(int frames, int bins, SplittableRandom rng) {
        if (frames < 0 || bins < 1) throw new IllegalArgumentException("bad example shape " + frames + " x " + bins);
        int n = patches(frames);
        int width = Math.min(patchWidth, frames);
        boolean[] covered = new boolean[frames];
        for (int k = 0; k < n; k++) Arrays.fill(covered, k * patchStride, k * patchStride + width, true);
        int coveredFrames = 0;
        for (boolean b : covered) if (b) coveredFrames++;
        int area = coveredFrames * bins;
        double target = ratio * area;
        double targetFull = lambda * target;
        boolean[] cells = new boolean[frames * bins];
        List<Region> regions = new ArrayList<>();
        int masked = 0;
        int full = 0;
        boolean[] usedFull = new boolean[n];

        for (int k : shuffled(n, rng)) {
            int gain = gain(cells, bins, k * patchStride, width, 0, bins);
            if (gain == 0) continue;
            if (Math.abs(full + gain - targetFull) >= Math.abs(full - targetFull)) break;
            mark(cells, bins, k * patchStride, width, 0, bins);
            regions.add(new Region(k, k * patchStride, width, 0, bins, true));
            full += gain;
            masked += gain;
            usedFull[k] = true;
        }

        int h = Math.min(freqHeight, bins);
        int[] free = IntStream.range(0, n).filter(k -> !usedFull[k]).toArray();
        int maxDraws = 8 * free.length * ((bins + h - 1) / h) + 32;
        int draws = 0;
        outer:
        while (free.length > 0 && masked < target && draws < maxDraws) {
            for (int idx : shuffled(free.length, rng)) {
                if (draws++ >= maxDraws) break outer;
                int k = free[idx];
                int f0 = rng.nextInt(bins - h + 1);
                int gain = gain(cells, bins, k * patchStride, width, f0, h);
                if (gain == 0) continue;
                if (Math.abs(masked + gain - target) >= Math.abs(masked - target)) break outer;
                mark(cells, bins, k * patchStride, width, f0, h);
                regions.add(new Region(k, k * patchStride, width, f0, h, false));
                masked += gain;
            }
        }
        return new Plan(frames, bins, List.copyOf(regions), cells, area, masked, full);
    }

    /** Fisher–Yates permutation of 0 … n−1. */
    private static int[] shuffled(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static int gain(boolean[] cells, int bins, int t0, int w, int f0, int h) {
        int g = 0;
        for (int t = t0; t < t0 + w; t++) {
            for (int f = f0; f < f0 + h; f++) if (!cells[t * bins + f]) g++;
        }
        return g;
    }

    private static void mark(boolean[] cells, int bins, int t0, int w, int f0, int h) {
        for (int t = t0; t < t0 + w; t++) Arrays.fill(cells, t * bins + f0, t * bins + f0 + h, true);
    }
}
