package org.tempora.features;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Kaldi's triangular mel filterbank ({@code get_mel_banks} in torchaudio.compliance.kaldi), built in float32
 * with torch's operation order so the weights equal the reference's.
 *
 * <p>Mel scale in natural-log form: {@code mel(f) = 1127·ln(1 + f/700)}. The {@code num_bins + 2} edge points
 * are equally spaced in mel between {@code mel(low)} and {@code mel(high)}; FFT bin k (k &lt; nfft/2) sits at
 * {@code mel(k·sr/nfft)}; its weight in filter b is {@code max(0, min(up, down))} of the two slopes. The
 * Nyquist bin gets weight 0. Narrow low filters are reproduced as they are, including filters with no
 * non-zero weight at all (bin 3 at 16 kHz with 128 bins): do not "fix" them, AST was trained with them.
 *
 * <p>The weights are stored sparsely: filter b covers FFT bins {@code [start[b], start[b] + weights[b].length)}.
 */
public final class MelBanks {
    private final int numBins;
    private final int numFftBins;
    private final int[] start;
    private final float[][] weights;
    private final float[] centerFreqs;

    private MelBanks(int numBins, int numFftBins, int[] start, float[][] weights, float[] centerFreqs) {
        this.numBins = numBins;
        this.numFftBins = numFftBins;
        this.start = start;
        this.weights = weights;
        this.centerFreqs = centerFreqs;
    }

    /** Mel of a frequency, scalar version (double precision, as torchaudio's {@code mel_scale_scalar}). */
    public static double melScale(double freq) {
        return 1127.0 * Math.log(1.0 + freq / 700.0);
    }

    /** Kaldi's rule for the upper filter edge in Hz: a non-positive {@code highFreq} is an offset from Nyquist. */
    public static double highEdgeHz(double highFreq, double sampleRate) {
        return highFreq <= 0 ? highFreq + 0.5 * sampleRate : highFreq;
    }

    /** Frequency of a mel value, double precision (the inverse of {@link #melScale}). */
    public static double inverseMelScale(double mel) {
        return 700.0 * (Math.exp(mel / 1127.0) - 1.0);
    }

    /** Mel of a frequency evaluated in float32 like torchaudio's tensor {@code mel_scale}. */
    static float melScaleF32(float freq) {
        float q = freq / 700f;
        float l = (float) Math.log(1f + q);
        return 1127f * l;
    }

    /** Inverse mel in float32 like torchaudio's tensor {@code inverse_mel_scale}. */
    static float inverseMelScaleF32(float mel) {
        float e = (float) Math.exp(mel / 1127f);
        return 700f * (e - 1f);
    }

    /**
     * Builds the filterbank.
     *
     * @param numBins    number of mel filters
     * @param paddedWindow FFT length (nfft); the bank spans FFT bins 0..nfft/2−1 (Nyquist weight 0)
     * @param sampleRate Hz
     * @param lowFreq    Hz
     * @param highFreq   Hz; ≤ 0 means Nyquist + highFreq
     */
    public static MelBanks build(int numBins, int paddedWindow, double sampleRate, double lowFreq, double highFreq) {
        int numFftBins = paddedWindow / 2;
        double high = highEdgeHz(highFreq, sampleRate);
        float fftBinWidth = (float) (sampleRate / paddedWindow);
        double melLow = melScale(lowFreq);
        double melHigh = melScale(high);
        double melDelta = (melHigh - melLow) / (numBins + 1);
        // torch: bin (int64 arange) * python float -> float32, then + python float -> float32
        float melLowF = (float) melLow;
        float melDeltaF = (float) melDelta;
        float[] mel = new float[numFftBins];
        for (int k = 0; k < numFftBins; k++) {
            mel[k] = melScaleF32(fftBinWidth * (float) k);
        }
        int[] start = new int[numBins];
        float[][] weights = new float[numBins][];
        float[] centers = new float[numBins];
        float[] row = new float[numFftBins];
        for (int b = 0; b < numBins; b++) {
            float left = melLowF + (float) b * melDeltaF;
            float center = melLowF + ((float) b + 1f) * melDeltaF;
            float right = melLowF + ((float) b + 2f) * melDeltaF;
            centers[b] = inverseMelScaleF32(center);
            float upDen = center - left;
            float downDen = right - center;
            int first = -1;
            int last = -1;
            for (int k = 0; k < numFftBins; k++) {
                float up = (mel[k] - left) / upDen;
                float down = (right - mel[k]) / downDen;
                float w = Math.max(0f, Math.min(up, down));
                row[k] = w;
                if (w > 0) {
                    if (first < 0) first = k;
                    last = k;
                }
            }
            if (first < 0) {
                start[b] = 0;
                weights[b] = new float[0];
            } else {
                start[b] = first;
                weights[b] = Arrays.copyOfRange(row, first, last + 1);
            }
        }
        return new MelBanks(numBins, numFftBins, start, weights, centers);
    }

    public int numBins() {
        return numBins;
    }

    /** Number of FFT bins covered (nfft/2; the Nyquist bin is not part of any filter). */
    public int numFftBins() {
        return numFftBins;
    }

    /** First FFT bin with a non-zero weight in filter {@code b}. */
    public int start(int b) {
        return start[b];
    }

    /** Non-zero weights of filter {@code b} (empty for a filter narrower than one FFT bin). */
    public float[] weights(int b) {
        return weights[b];
    }

    /** Center frequency of each filter in Hz. */
    public float[] centerFrequencies() {
        return centerFreqs.clone();
    }

    /** Dense matrix [numBins, numFftBins], row-major, as torchaudio's get_mel_banks returns it. */
    public float[] dense() {
        float[] m = new float[numBins * numFftBins];
        for (int b = 0; b < numBins; b++) {
            System.arraycopy(weights[b], 0, m, b * numFftBins + start[b], weights[b].length);
        }
        return m;
    }

    /** Indices of filters with no non-zero weight (their log output is always the floor). */
    public int[] emptyBins() {
        return IntStream.range(0, numBins).filter(b -> weights[b].length == 0).toArray();
    }

    /** Applies the bank to a power (or magnitude) spectrum of at least numFftBins values; writes numBins energies. */
    public void apply(double[] spectrum, double[] out) {
        for (int b = 0; b < numBins; b++) {
            float[] w = weights[b];
            int s = start[b];
            double acc = 0;
            for (int i = 0; i < w.length; i++) {
                acc += w[i] * spectrum[s + i];
            }
            out[b] = acc;
        }
    }
}
