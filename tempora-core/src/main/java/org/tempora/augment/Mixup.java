package org.tempora.augment;

import java.util.SplittableRandom;
import org.tempora.nn.Init;

/**
 * AST's mixup, on the waveform: both clips mean-removed, the second zero-padded or cut to the first's length,
 * {@code λ ~ Beta(10, 10)}, {@code mix = λ·w1 + (1−λ)·w2}, mean removed again; targets {@code λ·y1 + (1−λ)·y2}.
 */
public final class Mixup {
    private Mixup() {}

    public static float[] mix(float[] w1, float[] w2, double lambda) {
        double m1 = mean(w1);
        double m2 = mean(w2);
        float[] out = new float[w1.length];
        for (int i = 0; i < out.length; i++) {
            double b = i < w2.length ? w2[i] - m2 : 0;
            out[i] = (float) (lambda * (w1[i] - m1) + (1 - lambda) * b);
        }
        double m = mean(out);
        for (int i = 0; i < out.length; i++) out[i] -= (float) m;
        return out;
    }

    /** Beta(a, b) from two Gamma draws. */
    public static double beta(SplittableRandom rng, double a, double b) {
        double x = gamma(rng, a);
        double y = gamma(rng, b);
        return x / (x + y);
    }

    /** Gamma(shape ≥ 1, 1) by Marsaglia and Tsang. */
    static double gamma(SplittableRandom rng, double shape) {
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = Init.gaussian(rng);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
        }
    }

    private static double mean(float[] x) {
        double s = 0;
        for (float v : x) s += v;
        return x.length == 0 ? 0 : s / x.length;
    }
}
