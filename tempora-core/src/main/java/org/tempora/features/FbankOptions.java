package org.tempora.features;

import org.tempora.ConfigException;

/**
 * Options of the Kaldi-compatible filterbank, with the names and meanings of
 * {@code torchaudio.compliance.kaldi.fbank}. {@link #ast(double)} gives exactly the call AST makes;
 * {@link #kaldiDefaults(double)} gives torchaudio's own defaults.
 *
 * <p>Not supported (not used by AST or the papers): {@code use_energy}, {@code energy_floor},
 * {@code raw_energy}, {@code htk_compat} (which only matters with use_energy), {@code vtln_*}. Dither uses
 * tempora's own seeded Gaussian generator, so with dither &gt; 0 the output cannot equal torchaudio's
 * (which draws from torch's global RNG); with dither = 0 (AST) it is deterministic and identical.
 *
 * @param sampleRate       Hz
 * @param frameLengthMs    analysis window length in ms (window = int(sr · ms · 0.001) samples)
 * @param frameShiftMs     hop in ms (shift = int(sr · ms · 0.001) samples)
 * @param numMelBins       number of triangular mel filters (&gt; 3)
 * @param window           window type
 * @param blackmanCoeff    Blackman window coefficient
 * @param preemphasis      pre-emphasis coefficient in [0, 1]
 * @param removeDcOffset   subtract each frame's mean before pre-emphasis
 * @param snipEdges        true: only frames that fit wholly in the signal; false: Kaldi's reflected edges
 * @param roundToPowerOfTwo zero-pad the window to the next power of two for the FFT
 * @param lowFreq          lowest filter edge, Hz
 * @param highFreq         highest filter edge, Hz; ≤ 0 means Nyquist + highFreq
 * @param dither           Gaussian dither amplitude added to each frame (0 = off)
 * @param ditherSeed       seed of the dither generator (the same seed gives the same features)
 * @param usePower         power spectrum (true) or magnitude (false)
 * @param useLog           log of the filterbank energies, floored at float32 epsilon
 * @param subtractMean     subtract the per-bin mean over frames of the clip
 */
public record FbankOptions(
        double sampleRate,
        double frameLengthMs,
        double frameShiftMs,
        int numMelBins,
        WindowType window,
        double blackmanCoeff,
        double preemphasis,
        boolean removeDcOffset,
        boolean snipEdges,
        boolean roundToPowerOfTwo,
        double lowFreq,
        double highFreq,
        double dither,
        long ditherSeed,
        boolean usePower,
        boolean useLog,
        boolean subtractMean) {

    public FbankOptions {
        if (!(sampleRate > 0) || Double.isInfinite(sampleRate)) throw new ConfigException("sample rate must be positive, got " + sampleRate);
        if (!(frameLengthMs > 0)) throw new ConfigException("frame length must be positive, got " + frameLengthMs + " ms");
        if (!(frameShiftMs > 0)) throw new ConfigException("frame shift must be positive, got " + frameShiftMs + " ms");
        if (numMelBins <= 3) throw new ConfigException("number of mel bins must be greater than 3, got " + numMelBins);
        if (window == null) throw new ConfigException("window type is required");
        if (!(preemphasis >= 0 && preemphasis <= 1)) throw new ConfigException("pre-emphasis must be in [0, 1], got " + preemphasis);
        if (!(dither >= 0)) throw new ConfigException("dither must be >= 0, got " + dither);
        if ((int) (sampleRate * frameLengthMs * 0.001) < 2) throw new ConfigException("frame length " + frameLengthMs + " ms is fewer than 2 samples at " + sampleRate + " Hz");
        if ((int) (sampleRate * frameShiftMs * 0.001) < 1) throw new ConfigException("frame shift " + frameShiftMs + " ms is less than one sample at " + sampleRate + " Hz");
        double nyquist = 0.5 * sampleRate;
        double high = MelBanks.highEdgeHz(highFreq, sampleRate); // fields are not assigned yet: highFreqHz() would read 0
        if (!(lowFreq >= 0 && lowFreq < nyquist)) throw new ConfigException("low frequency must be in [0, " + nyquist + "), got " + lowFreq);
        if (!(high > 0 && high <= nyquist)) throw new ConfigException("high frequency must be in (0, " + nyquist + "], got " + highFreq);
        if (!(lowFreq < high)) throw new ConfigException("low frequency " + lowFreq + " must be below high frequency " + high);
    }

    /** The exact options of AST's {@code _wav2fbank}: hanning, 128 mel bins, 25/10 ms, no dither. */
    public static FbankOptions ast(double sampleRate) {
        return new FbankOptions(sampleRate, 25, 10, 128, WindowType.HANNING, 0.42, 0.97, true, true, true,
                20, 0, 0, 0, true, true, false);
    }

    /** torchaudio.compliance.kaldi.fbank defaults (povey window, 23 bins, dither 0 here since it is seeded). */
    public static FbankOptions kaldiDefaults(double sampleRate) {
        return new FbankOptions(sampleRate, 25, 10, 23, WindowType.POVEY, 0.42, 0.97, true, true, true,
                20, 0, 0, 0, true, true, false);
    }

    /** Window length in samples: {@code int(sr · frame_length · 0.001)}, evaluated in double like torchaudio. */
    public int windowSize() {
        return (int) (sampleRate * frameLengthMs * 0.001);
    }

    /** Hop in samples: {@code int(sr · frame_shift · 0.001)}. */
    public int windowShift() {
        return (int) (sampleRate * frameShiftMs * 0.001);
    }

    /** FFT length: the window, or the next power of two ≥ it. */
    public int paddedWindowSize() {
        int w = windowSize();
        if (!roundToPowerOfTwo) return w;
        int p = 1;
        while (p < w) p <<= 1;
        return p;
    }

    /** Number of frames for a signal of {@code n} samples (n ≥ window size). */
    public int numFrames(long n) {
        int win = windowSize();
        int shift = windowShift();
        if (snipEdges) {
            return n < win ? 0 : (int) (1 + (n - win) / shift);
        }
        return (int) ((n + shift / 2) / shift);
    }

    public FbankOptions withSampleRate(double v) {
        return new FbankOptions(v, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    public FbankOptions withFrameShiftMs(double v) {
        return new FbankOptions(sampleRate, frameLengthMs, v, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    public FbankOptions withFrameLengthMs(double v) {
        return new FbankOptions(sampleRate, v, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    public FbankOptions withNumMelBins(int v) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, v, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    public FbankOptions withWindow(WindowType v) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, v, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    public FbankOptions withPreemphasis(double v) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, v, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    public FbankOptions withRemoveDcOffset(boolean v) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, v,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    public FbankOptions withSnipEdges(boolean v) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                v, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    public FbankOptions withFrequencyRange(double low, double high) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, low, high, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    public FbankOptions withDither(double amount, long seed) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, amount, seed, usePower, useLog, subtractMean);
    }

    public FbankOptions withUsePower(boolean v) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, v, useLog, subtractMean);
    }

    public FbankOptions withUseLog(boolean v) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, v, subtractMean);
    }

    public FbankOptions withSubtractMean(boolean v) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, roundToPowerOfTwo, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, v);
    }

    public FbankOptions withRoundToPowerOfTwo(boolean v) {
        return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, window, blackmanCoeff, preemphasis, removeDcOffset,
                snipEdges, v, lowFreq, highFreq, dither, ditherSeed, usePower, useLog, subtractMean);
    }

    /** The highest filter edge in Hz, with a non-positive {@code highFreq} taken as an offset from Nyquist. */
    public double highFreqHz() {
        return MelBanks.highEdgeHz(highFreq, sampleRate);
    }
}
