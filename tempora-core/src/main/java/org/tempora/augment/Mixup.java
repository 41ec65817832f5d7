package org.tempora.augment;

import java.util.SplittableRandom;
import org.tempora.audio.SampleSource;
import org.tempora.audio.SampleStream;
import org.tempora.nn.Init;

/**
 * AST's mixup, on the waveform: both clips mean-removed, the second zero-padded or cut to the first's length,
 * {@code λ ~ Beta(10, 10)}, {@code mix = λ·w1 + (1−λ)·w2}, mean removed again; targets {@code λ·y1 + (1−λ)·y2}.
 * {@link #mix} works on waveforms in memory, {@link #source} on streams (clips of any length).
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

    /** Clips of at most this many samples are read once and mixed in memory (8 MiB each); longer ones are streamed. */
    static final int MEMORY_SAMPLES = 1 << 21;

    /**
     * {@link #mix} as a re-readable stream, for clips of any length: the two means and the mean of the mix are taken
     * in passes over the audio, and every read computes the mixed samples block by block, with the same arithmetic
     * as {@link #mix}, so the samples are bit for bit equal. Both sources are resampled to {@code rate} first; a clip
     * of at most {@value #MEMORY_SAMPLES} samples is read once and kept.
     */
    public static SampleSource source(SampleSource a, SampleSource b, double lambda, int rate) {
        return source(a, b, lambda, rate, MEMORY_SAMPLES);
    }

    static SampleSource source(SampleSource a, SampleSource b, double lambda, int rate, int memorySamples) {
        return new Mixed(a.at(rate).buffered(memorySamples), b.at(rate).buffered(memorySamples), lambda, rate);
    }

    private static final class Mixed implements SampleSource {
        private final SampleSource a;
        private final SampleSource b;
        private final double lambda;
        private final int rate;
        private final double m1;
        private final double m2;
        private final float m;

        Mixed(SampleSource a, SampleSource b, double lambda, int rate) {
            this.a = a;
            this.b = b;
            this.lambda = lambda;
            this.rate = rate;
            this.m1 = mean(a);
            this.m2 = mean(b);
            double sum = 0;
            long n = 0;
            try (SampleStream s = new MixStream(0f, false)) {
                float[] buf = new float[1 << 14];
                for (int got; (got = s.read(buf, 0, buf.length)) >= 0; n += got) {
                    for (int i = 0; i < got; i++) sum += buf[i];
                }
            }
            this.m = (float) (n == 0 ? 0 : sum / n);
        }

        @Override
        public String name() {
            return a.name();
        }

        @Override
        public SampleStream open() {
            return new MixStream(m, true);
        }

        /** λ·(x1 − m1) + (1 − λ)·(x2 − m2), x2 zero past its end, as long as the first clip; minus the mix mean if asked. */
        private final class MixStream implements SampleStream {
            private final SampleStream s1 = a.open();
            private final SampleStream s2;
            private final float mean;
            private final boolean subtract;
            private float[] x2 = new float[0];
            private boolean ended2;

            MixStream(float mean, boolean subtract) {
                this.mean = mean;
                this.subtract = subtract;
                try {
                    s2 = b.open();
                } catch (RuntimeException | Error e) {
                    s1.close();
                    throw e;
                }
            }

            @Override
            public int sampleRate() {
                return rate;
            }

            @Override
            public int read(float[] buf, int off, int len) {
                int got = s1.read(buf, off, len);
                if (got <= 0) return got;
                if (x2.length < got) x2 = new float[got];
                int have = 0;
                while (have < got && !ended2) {
                    int g = s2.read(x2, have, got - have);
                    if (g < 0) ended2 = true;
                    else have += g;
                }
                for (int i = 0; i < got; i++) {
                    double bv = i < have ? x2[i] - m2 : 0;
                    float v = (float) (lambda * (buf[off + i] - m1) + (1 - lambda) * bv);
                    buf[off + i] = subtract ? v - mean : v;
                }
                return got;
            }

            @Override
            public void close() {
                s1.close();
                s2.close();
            }
        }
    }

    /** The mean of a source's samples, summed in double in order as {@link #mean(float[])} does. */
    private static double mean(SampleSource src) {
        try (SampleStream s = src.open()) {
            float[] buf = new float[1 << 14];
            double sum = 0;
            long n = 0;
            for (int got; (got = s.read(buf, 0, buf.length)) >= 0; n += got) {
                for (int i = 0; i < got; i++) sum += buf[i];
            }
            return n == 0 ? 0 : sum / n;
        }
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
