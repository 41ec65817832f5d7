package org.tempora.features;

import org.tempora.audio.Waveform;

/**
 * The steps between the waveform and the model input in AST's data loader ({@code src/dataloader.py}):
 * remove the clip mean, fbank, pad with zeros (log-domain 0, not silence) or truncate to the target frame
 * count, and normalise {@code (x − mean) / (2·std)} with dataset statistics. All float32, in the reference's
 * operation order, so the result equals AST's bit for bit or to float32 rounding.
 */
public final class AstInput {
    private AstInput() {}

    /** Speech Commands V2 statistics from AST's recipe. */
    public static final float SPEECHCOMMANDS_MEAN = -6.845978f;
    public static final float SPEECHCOMMANDS_STD = 5.5654526f;
    /** AudioSet statistics from AST's recipe. */
    public static final float AUDIOSET_MEAN = -4.2677393f;
    public static final float AUDIOSET_STD = 4.5689974f;
    /** ESC-50 statistics from AST's recipe. */
    public static final float ESC50_MEAN = -6.6268077f;
    public static final float ESC50_STD = 5.358466f;

    /** {@code waveform − mean(waveform)} (AST subtracts the global clip mean before fbank). */
    public static Waveform removeMean(Waveform w) {
        float[] x = w.samples();
        double sum = 0;
        for (float v : x) sum += v;
        float mean = (float) (sum / Math.max(1, x.length));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] - mean;
        return new Waveform(y, w.sampleRate(), w.source());
    }

    /** Pads at the end with 0 or truncates to {@code targetFrames} rows. */
    public static Spectrogram padOrTruncate(Spectrogram s, int targetFrames) {
        if (targetFrames <= 0) throw new IllegalArgumentException("target frames must be positive: " + targetFrames);
        if (s.frames() == targetFrames) return s;
        float[] out = new float[targetFrames * s.bins()];
        System.arraycopy(s.data(), 0, out, 0, Math.min(s.frames(), targetFrames) * s.bins());
        return new Spectrogram(out, targetFrames, s.bins());
    }

    /**
     * {@code (x − mean) / (std · 2)} in place on a copy, float32 like torch with Python-float scalars:
     * the divisor {@code std·2} is formed in double and rounded to float32 once.
     */
    public static Spectrogram normalize(Spectrogram s, double mean, double std) {
        float m = (float) mean;
        float d = (float) (std * 2.0);
        float[] x = s.data();
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (x[i] - m) / d;
        return new Spectrogram(y, s.frames(), s.bins());
    }
}
