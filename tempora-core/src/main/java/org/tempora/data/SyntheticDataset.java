package org.tempora.data;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tempora.ConfigException;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.Waveform;
import org.tempora.config.ExperimentConfig;

/**
 * The built-in synthetic dataset: up to 10 classes that differ in <em>temporal</em> structure rather than in
 * spectrum (tone frequencies are drawn from the same range for every tonal class), so temporal resolution
 * matters. Every clip is generated on demand from (seed, class, index): nothing is stored, and the same seed
 * gives the same audio on every machine. Clips are 1 s at 16 kHz by default, with background noise.
 *
 * <p>Split per class: 60 % train, 20 % valid, 20 % test of {@code clips_per_class}.
 */
public final class SyntheticDataset {
    public static final int SAMPLE_RATE = 16000;

    /** Class names, index = label. */
    public static final List<String> CLASSES = List.of(
            "clicks_slow",   // impulse train, 3–5 Hz
            "clicks_fast",   // impulse train, 12–20 Hz
            "chirp_up",      // rising sweep
            "chirp_down",    // falling sweep
            "bursts_short",  // 3–5 tone bursts of 30–60 ms
            "bursts_long",   // 1–2 tone bursts of 250–400 ms
            "am_tone",       // tone, amplitude-modulated at 6–10 Hz
            "fm_tone",       // tone with 5–8 Hz vibrato
            "gapped_noise",  // band noise with two 60–100 ms gaps
            "noise_swell");  // band noise fading in over the clip

    private SyntheticDataset() {}

    public static Dataset create(ExperimentConfig.Synthetic s, long seed) {
        if (s.classes() < 2 || s.classes() > CLASSES.size()) throw new ConfigException("data.synthetic.classes must be in 2.." + CLASSES.size());
        if (s.clipsPerClass() < ExperimentConfig.Synthetic.MIN_CLIPS_PER_CLASS) throw new ConfigException("data.synthetic.clips_per_class must be >= " + ExperimentConfig.Synthetic.MIN_CLIPS_PER_CLASS);
        if (!(s.seconds() >= 0.1 && s.seconds() <= 30)) throw new ConfigException("data.synthetic.seconds must be in [0.1, 30]");
        Map<Split, List<Clip>> splits = new EnumMap<>(Split.class);
        for (Split sp : Split.values()) splits.put(sp, new ArrayList<>());
        int nTrain = (int) Math.round(s.clipsPerClass() * 0.6);
        int nValid = (int) Math.round(s.clipsPerClass() * 0.2);
        for (int c = 0; c < s.classes(); c++) {
            for (int i = 0; i < s.clipsPerClass(); i++) {
                Split sp = i < nTrain ? Split.TRAIN : i < nTrain + nValid ? Split.VALID : Split.TEST;
                Generated g = new Generated(seed, c, i, s.seconds());
                splits.get(sp).add(new Clip(CLASSES.get(c) + "/" + i, g, new int[] {c}));
            }
        }
        return new Dataset("synthetic", "synthetic", CLASSES.subList(0, s.classes()), false, splits, List.of(), List.of());
    }

    /** One generated clip. */
    public record Generated(long seed, int cls, int index, double seconds) implements AudioSource {
        @Override
        public Waveform load(ChannelMode channel) {
            return new Waveform(generate(seed, cls, index, seconds), SAMPLE_RATE, describe());
        }

        @Override
        public String describe() {
            return "synthetic:" + CLASSES.get(cls) + "/" + index + "(seed " + seed + ")";
        }

        @Override
        public String fingerprint() {
            return describe() + "|" + seconds + "|v1";
        }
    }

    /** The samples of clip {@code index} of class {@code cls}. */
    public static float[] generate(long seed, int cls, int index, double seconds) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + cls * 10_007L + index);
        int n = (int) Math.round(seconds * SAMPLE_RATE);
        double[] x = new double[n];
        double f0 = 300 * Math.pow(10, r.nextDouble()); // 300 Hz – 3 kHz, log-uniform, same for every tonal class
        double amp = 0.15 + 0.25 * r.nextDouble();
        double sr = SAMPLE_RATE;
        switch (cls) {
            case 0, 1 -> {
                double rate = cls == 0 ? 3 + 2 * r.nextDouble() : 12 + 8 * r.nextDouble();
                double phase = r.nextDouble() / rate;
                for (double t = phase; t < seconds; t += 1 / rate) click(x, (int) (t * sr), r, amp);
            }
            case 2, 3 -> {
                double dur = Math.min(0.4 + 0.4 * r.nextDouble(), 0.9 * seconds);
                double start = r.nextDouble() * (seconds - dur);
                double ratio = 2 + r.nextDouble();
                double fa = cls == 2 ? f0 : f0 * ratio;
                double fb = cls == 2 ? f0 * ratio : f0;
                int s0 = (int) (start * sr);
                int len = (int) (dur * sr);
                double ph = 0;
                for (int i = 0; i < len && s0 + i < n; i++) {
                    double f = fa + (fb - fa) * i / len;
                    ph += 2 * Math.PI * f / sr;
                    x[s0 + i] += amp * envelope(i, len, 0.01 * sr) * Math.sin(ph);
                }
            }
            case 4, 5 -> {
                int count = cls == 4 ? 3 + r.nextInt(3) : 1 + r.nextInt(2);
                double slot = seconds / count;
                for (int b = 0; b < count; b++) {
                    double dur = cls == 4 ? 0.03 + 0.03 * r.nextDouble() : 0.25 + 0.15 * r.nextDouble();
                    dur = Math.min(dur, slot * 0.9);
                    double start = b * slot + r.nextDouble() * (slot - dur);
                    tone(x, (int) (start * sr), (int) (dur * sr), f0, amp);
                }
            }
            case 6 -> {
                double fm = 6 + 4 * r.nextDouble();
                double ph = r.nextDouble() * 2 * Math.PI;
                for (int i = 0; i < n; i++) {
                    double t = i / sr;
                    x[i] += amp * (0.55 + 0.45 * Math.sin(2 * Math.PI * fm * t + ph)) * Math.sin(2 * Math.PI * f0 * t) * envelope(i, n, 0.02 * sr);
                }
            }
            case 7 -> {
                double fv = 5 + 3 * r.nextDouble();
                double depth = 0.06 * f0;
                double ph = 0;
                for (int i = 0; i < n; i++) {
                    double t = i / sr;
                    ph += 2 * Math.PI * (f0 + depth * Math.sin(2 * Math.PI * fv * t)) / sr;
                    x[i] += amp * Math.sin(ph) * envelope(i, n, 0.02 * sr);
                }
            }
            case 8, 9 -> {
                double[] noise = bandNoise(n, r, f0);
                if (cls == 8) {
                    for (int g = 0; g < 2; g++) {
                        int len = (int) ((0.06 + 0.04 * r.nextDouble()) * sr);
                        int start = (int) (((g + 0.2 + 0.5 * r.nextDouble()) * n / 2.0));
                        for (int i = start; i < Math.min(n, start + len); i++) noise[i] = 0;
                    }
                    for (int i = 0; i < n; i++) x[i] += amp * noise[i];
                } else {
                    for (int i = 0; i < n; i++) x[i] += amp * noise[i] * Math.pow(i / (double) n, 1.5);
                }
            }
            default -> throw new IllegalArgumentException("class " + cls);
        }
        double bg = amp * Math.pow(10, -(25 + 15 * r.nextDouble()) / 20);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double v = x[i] + bg * (2 * r.nextDouble() - 1);
            out[i] = (float) Math.max(-1, Math.min(1, v));
        }
        return out;
    }

    private static void click(double[] x, int at, SplittableRandom r, double amp) {
        int len = 32; // 2 ms decaying noise burst
        for (int i = 0; i < len && at + i < x.length; i++) {
            if (at + i >= 0) x[at + i] += amp * 1.5 * (2 * r.nextDouble() - 1) * Math.exp(-i / 6.0);
        }
    }

    private static void tone(double[] x, int start, int len, double f, double amp) {
        for (int i = 0; i < len && start + i < x.length; i++) {
            x[start + i] += amp * envelope(i, len, 0.005 * SAMPLE_RATE) * Math.sin(2 * Math.PI * f * i / SAMPLE_RATE);
        }
    }

    /** Raised-cosine fade in/out of {@code fade} samples. */
    private static double envelope(int i, int len, double fade) {
        if (i < fade) return 0.5 - 0.5 * Math.cos(Math.PI * i / fade);
        if (len - 1 - i < fade) return 0.5 - 0.5 * Math.cos(Math.PI * (len - 1 - i) / fade);
        return 1;
    }

    /** White noise through a one-pole band emphasis around {@code f} (so noise classes overlap the tones' range). */
    private static double[] bandNoise(int n, SplittableRandom r, double f) {
        double[] y = new double[n];
        double a = Math.exp(-2 * Math.PI * f / SAMPLE_RATE);
        double prev = 0;
        double prevIn = 0;
        for (int i = 0; i < n; i++) {
            double in = 2 * r.nextDouble() - 1;
            prev = (1 - a) * (in - prevIn) + a * prev + 0.3 * in; // mix of high-passed and white noise
            prevIn = in;
            y[i] = prev;
        }
        double peak = 1e-9;
        for (double v : y) peak = Math.max(peak, Math.abs(v));
        for (int i = 0; i < n; i++) y[i] /= peak;
        return y;
    }
}
