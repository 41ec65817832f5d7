package org.tempora.features;

import java.util.Arrays;
import java.util.Locale;
import org.tempora.ConfigException;

/**
 * Analysis windows of Kaldi's feature-window options, built exactly as torchaudio builds them: in float32,
 * symmetric ({@code periodic=False}), with the same operation order, so that the windowed frames match the
 * reference bit for bit or to one float32 ulp.
 */
public enum WindowType {
    /** Symmetric Hann {@code 0.5 − 0.5·cos(2πn/(N−1))}; the window AST uses. */
    HANNING,
    /** Kaldi's default: Hann raised to the power 0.85. */
    POVEY,
    /** Symmetric Hamming {@code 0.54 − 0.46·cos(2πn/(N−1))}. */
    HAMMING,
    /** All ones. */
    RECTANGULAR,
    /** Kaldi's Blackman {@code c − 0.5·cos(a n) + (0.5 − c)·cos(2 a n)}, {@code a = 2π/(N−1)}, c = blackman coefficient. */
    BLACKMAN;

    /** Parses a Kaldi window name ({@code hanning}, {@code povey}, {@code hamming}, {@code rectangular}, {@code blackman}). */
    public static WindowType parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("unknown window type '" + name
                    + "' (expected hanning, povey, hamming, rectangular or blackman)");
        }
    }

    public String kaldiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The window of length {@code n} as float32 values.
     *
     * @param blackmanCoeff only used by {@link #BLACKMAN} (Kaldi default 0.42)
     */
    public float[] build(int n, double blackmanCoeff) {
        float[] w = new float[n];
        switch (this) {
            case HANNING -> cosineWindow(w, 0.5f, 0.5f);
            case HAMMING -> cosineWindow(w, 0.54f, 0.46f);
            case POVEY -> {
                cosineWindow(w, 0.5f, 0.5f);
                for (int i = 0; i < n; i++) w[i] = (float) Math.pow(w[i], 0.85);
            }
            case RECTANGULAR -> Arrays.fill(w, 1f);
            case BLACKMAN -> {
                // torchaudio: coeff - 0.5*cos(a*n) + (0.5-coeff)*cos(2*a*n), evaluated on a float32 arange
                float a = (float) (2 * Math.PI / (n - 1));
                float a2 = (float) (2 * (2 * Math.PI / (n - 1)));
                float c = (float) blackmanCoeff;
                float c2 = (float) (0.5 - blackmanCoeff);
                for (int i = 0; i < n; i++) {
                    float t1 = 0.5f * (float) Math.cos(a * (float) i);
                    float t2 = c2 * (float) Math.cos(a2 * (float) i);
                    w[i] = (c - t1) + t2;
                }
            }
            default -> throw new IllegalStateException();
        }
        return w;
    }

    /** ATen's hamming_window (periodic=false): arange · (2π/(N−1)) → cos → ·(−beta) → +alpha, all float32. */
    private static void cosineWindow(float[] w, float alpha, float beta) {
        int n = w.length;
        if (n == 1) {
            w[0] = 1f;
            return;
        }
        float step = (float) (Math.PI * 2.0 / (n - 1));
        for (int i = 0; i < n; i++) {
            float x = (float) i * step;
            w[i] = (float) Math.cos(x) * -beta + alpha;
        }
    }
}
