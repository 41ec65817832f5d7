package org.tempora.augment;

import java.util.SplittableRandom;
import org.tempora.ConfigException;
import org.tempora.features.FbankOptions;
import org.tempora.features.MelBanks;

/**
 * Moves a voice on the log-mel matrix: a vocal-tract-length warp of the frequency axis (VTLP, Jaitly &amp; Hinton 2013)
 * and a tempo change of the time axis, each drawn per clip. Both are resamplings of the cached fbank by linear
 * interpolation, so they cost a few microseconds per clip and keep the feature cache.
 *
 * <p><b>Frequency.</b> A speaker whose vocal tract is shorter by a factor {@code α} has its spectrum scaled by {@code α}:
 * {@code S'(f) = S(f/α)}. Mel bin {@code i} (Kaldi centre {@code melLow + (i+1)·Δ}, in Hz {@code h_i}) therefore reads
 * the source spectrum at {@code h_i/α}, converted back to a fractional bin index on the mel scale. Unlike Kaldi's
 * piecewise-linear VTLN warp, which pins the band edges, reads beyond the first or last bin are clamped to it (the
 * edge bins of 16 kHz speech carry little energy); pitch moves with the formants, as when a recording is resampled.
 *
 * <p><b>Time.</b> Output frame {@code k} reads source frame {@code k·β} ({@code β > 1}: faster speech), anchored at the
 * first frame; reads past the last frame take the last frame (the padding of a short clip).
 *
 * <p>{@code α} and {@code β} are uniform in {@code [1−w, 1+w]} and {@code [1−s, 1+s]}. A disabled axis draws nothing
 * from the generator, so configs without this augmentation train exactly as before it existed.
 */
public final class VoiceWarp {
    private final double maxWarp;
    private final double maxStretch;
    private final double melLow;
    private final double melDelta;

    /**
     * @param maxWarp    {@code w}: largest relative change of the vocal tract length, in [0, 0.5); 0 = off
     * @param maxStretch {@code s}: largest relative tempo change, in [0, 0.5); 0 = off
     * @param fbank      the front-end's filterbank (its mel range and number of bins)
     */
    public VoiceWarp(double maxWarp, double maxStretch, FbankOptions fbank) {
        if (!(maxWarp >= 0 && maxWarp < 0.5)) throw new ConfigException("augment.vtlp must be in [0, 0.5), got " + maxWarp);
        if (!(maxStretch >= 0 && maxStretch < 0.5)) throw new ConfigException("augment.time_stretch must be in [0, 0.5), got " + maxStretch);
        this.maxWarp = maxWarp;
        this.maxStretch = maxStretch;
        this.melLow = MelBanks.melScale(fbank.lowFreq());
        this.melDelta = (MelBanks.melScale(fbank.highFreqHz()) - melLow) / (fbank.numMelBins() + 1);
    }

    /** Whether any axis is warped. */
    public boolean enabled() {
        return maxWarp > 0 || maxStretch > 0;
    }

    /** Warps in place a {@code [frames, bins]} row-major log-mel matrix with factors drawn from {@code rng}. */
    public void apply(float[] x, int offset, int frames, int bins, SplittableRandom rng) {
        double alpha = maxWarp > 0 ? 1 + maxWarp * (2 * rng.nextDouble() - 1) : 1;
        double beta = maxStretch > 0 ? 1 + maxStretch * (2 * rng.nextDouble() - 1) : 1;
        apply(x, offset, frames, bins, alpha, beta);
    }

    /** Warps in place with given factors: {@code alpha} scales frequencies, {@code beta} the tempo (1, 1 = identity). */
    public void apply(float[] x, int offset, int frames, int bins, double alpha, double beta) {
        if (alpha != 1) {
            double[] src = sourceBins(bins, alpha);
            float[] row = new float[bins];
            for (int t = 0; t < frames; t++) {
                int o = offset + t * bins;
                System.arraycopy(x, o, row, 0, bins);
                for (int i = 0; i < bins; i++) x[o + i] = lerp(row, 0, 1, bins, src[i]);
            }
        }
        if (beta != 1) {
            float[] m = new float[frames * bins];
            System.arraycopy(x, offset, m, 0, m.length);
            for (int t = 0; t < frames; t++) {
                double p = t * beta;
                for (int i = 0; i < bins; i++) x[offset + t * bins + i] = lerp(m, i, bins, frames, p);
            }
        }
    }

    /** For each output bin, the fractional source bin it reads under the warp {@code α}. */
    double[] sourceBins(int bins, double alpha) {
        double[] src = new double[bins];
        for (int i = 0; i < bins; i++) {
            double hz = MelBanks.inverseMelScale(melLow + (i + 1) * melDelta);
            src[i] = (MelBanks.melScale(hz / alpha) - melLow) / melDelta - 1;
        }
        return src;
    }

    /** Linear interpolation at fractional index {@code p} along {@code n} elements {@code a[base + k·stride]}, clamped. */
    private static float lerp(float[] a, int base, int stride, int n, double p) {
        if (p <= 0) return a[base];
        if (p >= n - 1) return a[base + (n - 1) * stride];
        int k = (int) p;
        double w = p - k;
        return (float) ((1 - w) * a[base + k * stride] + w * a[base + (k + 1) * stride]);
    }
}
