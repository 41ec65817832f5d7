package org.tempora.audio;

import java.util.Locale;
import java.util.Random;

/**
 * Measures the resampler with pure tones: pass-band gain (ripple), stop-band rejection (what is left of a tone above
 * the new Nyquist, or of the image an upsampler creates) and speed. Amplitudes come from a joint least-squares fit
 * of sines and cosines at the known frequencies over the output, away from the edges, which is exact for pure tones
 * (no window leakage). {@code main} prints the table that docs/audio.md quotes; ResamplerTest uses the same
 * functions to check the claims.
 *
 * <p>Run: {@code java -cp tempora-core/target/classes:tempora-core/target/test-classes org.tempora.audio.ResamplerMeasurement}
 */
final class ResamplerMeasurement {
    private ResamplerMeasurement() {}

    static final double AMPLITUDE = 0.5;
    static final double SECONDS = 2.0;

    /** {@code AMPLITUDE·sin(2πft/rate + phase)} as float32, {@code seconds} long. */
    static float[] tone(double freq, int rate, double seconds, double phase) {
        float[] x = new float[(int) Math.round(seconds * rate)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (AMPLITUDE * Math.sin(2 * Math.PI * freq * i / rate + phase));
        return x;
    }

    /** Output samples to skip at each end: the filter's reach, where the zero padding around the clip shows. */
    static int edge(Resampler r) {
        return (int) Math.ceil(r.tapsPerOutput() / 2.0 * r.outputRate() / r.inputRate()) + 4;
    }

    /**
     * Least-squares amplitudes of the given frequencies (plus a constant) in {@code y[from..to)} sampled at
     * {@code rate}; the basis is cos and sin of {@code 2π f j / rate} at absolute index j.
     */
    static double[] amplitudes(float[] y, int from, int to, int rate, double... freqs) {
        int k = 2 * freqs.length + 1;
        double[][] a = new double[k][k + 1];
        double[] basis = new double[k];
        for (int j = from; j < to; j++) {
            for (int f = 0; f < freqs.length; f++) {
                double w = 2 * Math.PI * freqs[f] * j / rate;
                basis[2 * f] = Math.cos(w);
                basis[2 * f + 1] = Math.sin(w);
            }
            basis[k - 1] = 1;
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) a[r][c] += basis[r] * basis[c];
                a[r][k] += basis[r] * y[j];
            }
        }
        double[] coef = solve(a);
        double[] amp = new double[freqs.length];
        for (int f = 0; f < freqs.length; f++) amp[f] = Math.hypot(coef[2 * f], coef[2 * f + 1]);
        return amp;
    }

    /** Gaussian elimination with partial pivoting on an augmented k×(k+1) matrix. */
    private static double[] solve(double[][] a) {
        int k = a.length;
        for (int col = 0; col < k; col++) {
            int piv = col;
            for (int r = col + 1; r < k; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
            double[] t = a[col];
            a[col] = a[piv];
            a[piv] = t;
            for (int r = col + 1; r < k; r++) {
                double m = a[r][col] / a[col][col];
                for (int c = col; c <= k; c++) a[r][c] -= m * a[col][c];
            }
        }
        double[] x = new double[k];
        for (int r = k - 1; r >= 0; r--) {
            double s = a[r][k];
            for (int c = r + 1; c < k; c++) s -= a[r][c] * x[c];
            x[r] = s / a[r][r];
        }
        return x;
    }

    /** Gain in dB of an in-band tone at {@code freq}. */
    static double passbandGainDb(Resampler r, double freq) {
        float[] y = r.apply(tone(freq, r.inputRate(), SECONDS, 0.3));
        int e = edge(r);
        return 20 * Math.log10(amplitudes(y, e, y.length - e, r.outputRate(), freq)[0] / AMPLITUDE);
    }

    /** Where a tone at {@code freq} (input) lands in the output when it is not removed: alias or image. */
    static double unwantedFrequency(Resampler r, double freq) {
        int in = r.inputRate();
        int out = r.outputRate();
        if (out < in) return Math.abs(freq - out * Math.rint(freq / out)); // alias of a tone above the new Nyquist
        return in - freq; // first image of an in-band tone when upsampling
    }

    /**
     * Rejection in dB (positive = attenuation) of what a tone at {@code freq} leaves at its alias (downsampling,
     * tone above the new Nyquist) or its first image (upsampling, in-band tone).
     */
    static double rejectionDb(Resampler r, double freq) {
        float[] y = r.apply(tone(freq, r.inputRate(), SECONDS, 0.7));
        int e = edge(r);
        double unwanted = unwantedFrequency(r, freq);
        double amp;
        if (r.outputRate() < r.inputRate()) {
            amp = amplitudes(y, e, y.length - e, r.outputRate(), unwanted)[0];
        } else {
            amp = amplitudes(y, e, y.length - e, r.outputRate(), freq, unwanted)[1];
        }
        return -20 * Math.log10(Math.max(amp, 1e-30) / AMPLITUDE);
    }

    /** Results of a sweep. */
    record Sweep(double maxAbsGainDb, double minRejectionDb, double worstRejectionFreq) {}

    static Sweep sweep(Resampler r, int steps) {
        double nyqLow = Math.min(r.inputRate(), r.outputRate()) / 2.0;
        double pass = Resampler.PASSBAND_EDGE * nyqLow;
        double maxGain = 0;
        for (int i = 0; i <= steps; i++) {
            double f = 20 + (pass - 20) * i / steps;
            maxGain = Math.max(maxGain, Math.abs(passbandGainDb(r, f)));
        }
        // stop band: the whole band above the new Nyquist (downsampling) or the images of every tone up to the
        // old Nyquist (upsampling), with a dense extra sweep next to the stop-band edge where rejection is lowest
        double nyqIn = r.inputRate() / 2.0;
        double nyqOut = r.outputRate() / 2.0;
        boolean down = r.outputRate() < r.inputRate();
        double lo = down ? nyqOut + 2 : 20;
        double hi = nyqIn - 2;
        double[] freqs = new double[2 * steps + 2];
        for (int i = 0; i <= steps; i++) {
            freqs[i] = lo + (hi - lo) * i / steps;
            double nearEdge = down ? nyqOut + 2 + 0.05 * nyqOut * i / steps : hi - 0.05 * nyqIn * i / steps;
            freqs[steps + 1 + i] = nearEdge;
        }
        double minRej = Double.POSITIVE_INFINITY;
        double worstF = 0;
        for (double f : freqs) {
            double unwanted = unwantedFrequency(r, f);
            if (unwanted < 10 || unwanted > nyqOut - 10) continue; // too close to DC/Nyquist for a sine fit
            double rej = rejectionDb(r, f);
            if (rej < minRej) {
                minRej = rej;
                worstF = f;
            }
        }
        return new Sweep(maxGain, minRej, worstF);
    }

    /** Input samples per second resampled (best of a few runs over {@code seconds} of noise). */
    static double speed(Resampler r, double seconds) {
        Random rnd = new Random(1);
        float[] x = new float[(int) (seconds * r.inputRate())];
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.1 * rnd.nextGaussian());
        r.apply(x); // warm-up
        double best = Double.POSITIVE_INFINITY;
        for (int run = 0; run < 3; run++) {
            long t0 = System.nanoTime();
            r.apply(x);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return x.length / best;
    }

    public static void main(String[] args) {
        int[][] pairs = {{16000, 8000}, {44100, 16000}, {22050, 16000}, {8000, 16000}, {48000, 16000}, {16000, 44100}};
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        System.out.println("| in → out | taps/output | pass-band |gain| max (0–0.9·Nyq) | stop-band rejection, worst (at) "
                + "| 1 kHz gain | 0.8·Nyq gain | named tone | speed (input samples/s) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int[] p : pairs) {
            Resampler r = new Resampler(p[0], p[1], true);
            Sweep s = sweep(r, steps);
            double nyqLow = Math.min(p[0], p[1]) / 2.0;
            String named = "";
            if (p[0] == 16000 && p[1] == 8000) named = String.format(Locale.ROOT, "6 kHz: %.1f dB", rejectionDb(r, 6000));
            if (p[0] == 44100 && p[1] == 16000) named = String.format(Locale.ROOT, "20 kHz: %.1f dB", rejectionDb(r, 20000));
            System.out.printf(Locale.ROOT, "| %d → %d | %d | %.2e dB | %.1f dB (%.0f Hz) | %+.2e dB | %+.2e dB | %s | %.2e |%n",
                    p[0], p[1], r.tapsPerOutput(), s.maxAbsGainDb(), s.minRejectionDb(), s.worstRejectionFreq(),
                    passbandGainDb(r, 1000), passbandGainDb(r, 0.8 * nyqLow), named, speed(r, 30));
        }
    }
}
