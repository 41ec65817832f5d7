package org.tempora.audio;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Band-limited resampling between any two integer sample rates: a polyphase windowed-sinc filter (Kaiser window)
 * on the exact rational ratio {@code out/in} reduced by their gcd.
 *
 * <h2>Design</h2>
 * The low-pass filter is specified relative to the <em>lower</em> of the two Nyquist frequencies, so the same
 * design serves decimation (anti-aliasing) and interpolation (anti-imaging):
 * <ul>
 *   <li>pass band up to {@link #PASSBAND_EDGE} = 0.90 of the lower Nyquist (a 16 kHz → 8 kHz conversion keeps
 *       0–3.6 kHz flat),</li>
 *   <li>stop band from the lower Nyquist itself ({@link #STOPBAND_EDGE} = 1.0), so nothing above the new Nyquist
 *       can alias back; the sinc cut-off sits in the middle of the transition band, at 0.95 of the lower Nyquist,</li>
 *   <li>a Kaiser window sized by Kaiser's formulas for {@link #DESIGN_ATTENUATION_DB} = 120 dB over that 0.1·Nyquist
 *       transition: β = 0.1102·(120 − 8.7) ≈ 12.27 and {@link #HALF_WIDTH_ZERO_CROSSINGS} = 80 periods of the
 *       lower rate on each side of the centre tap (160 taps at the lower rate).</li>
 * </ul>
 * Each of the {@code L = out/gcd} filter phases is normalised to unit DC gain. The measured pass-band ripple,
 * stop-band rejection and speed are in {@code docs/audio.md}.
 *
 * <h2>Alignment and length</h2>
 * Output sample {@code j} is the band-limited value at input time {@code j·in/out}: the first output sample sits on
 * the first input sample, with no delay, as in {@code torchaudio.functional.resample}. The signal is taken as zero
 * outside the clip, so the first and last ~80 low-rate samples fade slightly. The output has
 * {@code ceil(n·out/in)} samples, torchaudio's length rule ({@link #outputLength}).
 *
 * <h2>Reuse</h2>
 * Instances are immutable and thread-safe; {@link #of} caches one per (in, out) pair, so the polyphase table is
 * built once. Tables larger than {@value #MAX_TABLE_ENTRIES} coefficients (only for exotic, nearly coprime rate
 * pairs) are not stored: their coefficients are computed per output sample instead, with identical results,
 * more slowly.
 */
public final class Resampler {
    /** Pass-band edge as a fraction of the lower Nyquist frequency. */
    public static final double PASSBAND_EDGE = 0.90;
    /** Stop-band edge as a fraction of the lower Nyquist frequency: everything at or above the new Nyquist is rejected. */
    public static final double STOPBAND_EDGE = 1.00;
    /** The sinc cut-off (−6 dB point), half way through the transition band. */
    public static final double CUTOFF = (PASSBAND_EDGE + STOPBAND_EDGE) / 2;
    /** Stop-band attenuation the Kaiser window is designed for (see docs/audio.md for what is achieved). */
    public static final double DESIGN_ATTENUATION_DB = 120;
    /** Kaiser β for {@link #DESIGN_ATTENUATION_DB} (Kaiser's formula for attenuation above 50 dB). */
    public static final double KAISER_BETA = 0.1102 * (DESIGN_ATTENUATION_DB - 8.7);
    /**
     * Half the filter length in periods of the lower rate. Kaiser's estimate for 120 dB over a transition of
     * 0.1·Nyquist (0.05 of the lower rate) is (120 − 7.95) / (2.285 · 2π · 0.05) ≈ 156 taps, i.e. 78 per side;
     * 80 leaves a little margin.
     */
    public static final int HALF_WIDTH_ZERO_CROSSINGS = 80;
    /** Largest polyphase table kept in memory (doubles): 32 MiB. */
    static final int MAX_TABLE_ENTRIES = 1 << 22;

    private static final Map<Long, Resampler> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 64;

    private final int inRate;
    private final int outRate;
    /** Interpolation factor L and decimation factor M: out/in = L/M in lowest terms. */
    private final int up;
    private final int down;
    /** Taps per phase, and how many of them lie before the input sample at or left of the output time. */
    private final int taps;
    private final int before;
    /** The kernel in input-sample units: h(τ) = scale·sinc(scale·τ)·kaiser(τ / halfWidth). */
    private final double scale;
    private final double halfWidth;
    private final double i0Beta;
    /** {@code taps} coefficients per phase, phase-major; null when computed on the fly. */
    private final double[] table;

    Resampler(int inRate, int outRate, boolean allowTable) {
        if (inRate <= 0 || outRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive: " + inRate + " -> " + outRate);
        }
        this.inRate = inRate;
        this.outRate = outRate;
        int g = gcd(inRate, outRate);
        this.up = outRate / g;
        this.down = inRate / g;
        double lowerRateInInputUnits = Math.min(inRate, outRate) / (double) inRate; // ≤ 1
        this.scale = CUTOFF * lowerRateInInputUnits;
        this.halfWidth = HALF_WIDTH_ZERO_CROSSINGS / lowerRateInInputUnits;
        int w = (int) Math.ceil(halfWidth);
        this.before = w - 1;
        this.taps = 2 * w;
        this.i0Beta = besselI0(KAISER_BETA);
        if (allowTable && (long) up * taps <= MAX_TABLE_ENTRIES) {
            double[] t = new double[up * taps];
            double[] phase = new double[taps];
            for (int p = 0; p < up; p++) {
                coefficients(p, phase);
                System.arraycopy(phase, 0, t, p * taps, taps);
            }
            this.table = t;
        } else {
            this.table = null;
        }
    }

    /** The shared resampler for {@code inRate → outRate} (built on first use, then reused). */
    public static Resampler of(int inRate, int outRate) {
        long key = (long) inRate << 32 | (outRate & 0xFFFFFFFFL);
        Resampler r = CACHE.get(key);
        if (r != null) return r;
        if (CACHE.size() >= CACHE_LIMIT) CACHE.clear(); // a long-running process meeting many rate pairs
        return CACHE.computeIfAbsent(key, k -> new Resampler(inRate, outRate, true));
    }

    /** Resamples {@code w} to {@code targetRate}; returns {@code w} itself when the rate already matches. */
    public static Waveform resample(Waveform w, int targetRate) {
        if (w.sampleRate() == targetRate) return w;
        return of(w.sampleRate(), targetRate).apply(w);
    }

    /** The output length for {@code n} input samples: {@code ceil(n · out / in)}. */
    public static long outputLength(long n, int inRate, int outRate) {
        int g = gcd(inRate, outRate);
        long l = outRate / g;
        long m = inRate / g;
        return Math.addExact(Math.multiplyExact(n, l), m - 1) / m;
    }

    public int inputRate() {
        return inRate;
    }

    public int outputRate() {
        return outRate;
    }

    /** Resamples a waveform recorded at {@link #inputRate()}. */
    public Waveform apply(Waveform w) {
        if (w.sampleRate() != inRate) {
            throw new IllegalArgumentException("waveform is at " + w.sampleRate() + " Hz, this resampler expects " + inRate);
        }
        if (inRate == outRate) return w;
        return new Waveform(apply(w.samples()), outRate, w.source());
    }

    /** Resamples {@code x} from {@link #inputRate()} to {@link #outputRate()}. */
    public float[] apply(float[] x) {
        long len = outputLength(x.length, inRate, outRate);
        if (len > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("output too long: " + len + " samples");
        float[] y = new float[(int) len];
        if (inRate == outRate) {
            System.arraycopy(x, 0, y, 0, x.length);
            return y;
        }
        double[] scratch = table == null ? new double[taps] : null;
        int n = x.length;
        int whole = down / up;     // input samples advanced per output sample, integer part
        int rest = down % up;      // and the remainder, in 1/up steps
        long base = 0;             // floor(j·down/up)
        int phase = 0;             // (j·down) mod up
        for (int j = 0; j < y.length; j++) {
            y[j] = (float) sample(x, 0, n, base - before, phase, scratch);
            base += whole;
            phase += rest;
            if (phase >= up) {
                phase -= up;
                base++;
            }
        }
        return y;
    }

    /**
     * One output sample: the dot product of phase {@code phase}'s taps with input samples {@code start …
     * start + taps − 1}, those outside {@code [0, n)} left out (the signal is zero there). {@code x[i]} holds input
     * sample {@code x0 + i}. The whole-array and the streaming paths both compute through here, so they agree bit
     * for bit.
     */
    private double sample(float[] x, long x0, long n, long start, int phase, double[] scratch) {
        double[] h;
        int off;
        if (table != null) {
            h = table;
            off = phase * taps;
        } else {
            coefficients(phase, scratch);
            h = scratch;
            off = 0;
        }
        double acc = 0;
        if (start >= 0 && start + taps <= n) {
            int s = (int) (start - x0);
            for (int k = 0; k < taps; k++) acc += x[s + k] * h[off + k];
        } else {
            int k0 = (int) Math.max(0, -start);
            int k1 = (int) Math.min(taps, n - start);
            for (int k = k0; k < k1; k++) acc += x[(int) (start + k - x0)] * h[off + k];
        }
        return acc;
    }

    /**
     * Resamples a stream block by block: the result reads exactly the samples {@link #apply(float[])} gives for the
     * whole signal, holding only about {@code taps + 16384} input samples at a time. The returned stream owns
     * {@code in} (closing it closes {@code in}); at the same rate {@code in} itself is returned.
     */
    public SampleStream open(SampleStream in) {
        return open(in, STREAM_BLOCK);
    }

    /** {@link #open(SampleStream)} reading {@code block} input samples at a time. */
    public SampleStream open(SampleStream in, int block) {
        if (in.sampleRate() != inRate) {
            throw new IllegalArgumentException("stream is at " + in.sampleRate() + " Hz, this resampler expects " + inRate);
        }
        if (block < 1) throw new IllegalArgumentException("block must be positive: " + block);
        if (inRate == outRate) return in;
        return new Streaming(in, block);
    }

    /** Input samples read per step by {@link #open(SampleStream)}. */
    static final int STREAM_BLOCK = 1 << 14;

    /** The streaming resampler: a window of input samples slides along as output samples are produced. */
    private final class Streaming implements SampleStream {
        private final SampleStream in;
        private final int block;
        private final double[] scratch = table == null ? new double[taps] : null;
        private float[] buf;
        /** Input index of buf[0], and how many samples buf holds. */
        private long bufStart;
        private int bufLen;
        /** Input length, known once the input has ended (−1 before). */
        private long n = -1;
        private long outLength = -1;
        private long j;
        private long base;
        private int phase;

        Streaming(SampleStream in, int block) {
            this.in = in;
            this.block = block;
            this.buf = new float[taps + block];
        }

        @Override
        public int sampleRate() {
            return outRate;
        }

        @Override
        public int read(float[] out, int off, int len) {
            if (len == 0) return 0;
            int produced = 0;
            int whole = down / up;
            int rest = down % up;
            while (produced < len) {
                if (outLength >= 0 && j >= outLength) break;
                long start = base - before;
                if (n < 0 && bufStart + bufLen < start + taps) {
                    // not all taps have arrived: read more (before the end, every output computed here exists,
                    // since start + taps ≤ samples read implies j < outputLength(samples read))
                    if (produced > 0) break;
                    fill(start);
                    continue;
                }
                out[off + produced++] = (float) sample(buf, bufStart, n >= 0 ? n : bufStart + bufLen, start, phase, scratch);
                j++;
                base += whole;
                phase += rest;
                if (phase >= up) {
                    phase -= up;
                    base++;
                }
            }
            return produced == 0 ? -1 : produced;
        }

        /** Drops input before {@code start} (no later output needs it) and reads one more block, or notes the end. */
        private void fill(long start) {
            long keep = Math.max(bufStart, Math.min(start, bufStart + bufLen));
            int drop = (int) (keep - bufStart);
            if (drop > 0) {
                System.arraycopy(buf, drop, buf, 0, bufLen - drop);
                bufLen -= drop;
                bufStart = keep;
            }
            if (buf.length - bufLen < block) buf = Arrays.copyOf(buf, bufLen + block);
            int got = in.read(buf, bufLen, block);
            if (got < 0) {
                n = bufStart + bufLen;
                outLength = outputLength(n, inRate, outRate);
            } else {
                bufLen += got;
            }
        }

        @Override
        public void close() {
            in.close();
        }
    }

    /** Fills the {@code taps} coefficients of phase {@code p} (fractional position p/up), normalised to sum 1. */
    private void coefficients(int p, double[] into) {
        double frac = p / (double) up;
        double sum = 0;
        for (int k = 0; k < taps; k++) {
            double tau = frac - (k - before); // output time minus input sample time, in input samples
            double v = kernel(tau);
            into[k] = v;
            sum += v;
        }
        for (int k = 0; k < taps; k++) into[k] /= sum;
    }

    private double kernel(double tau) {
        double u = tau / halfWidth;
        if (Math.abs(u) >= 1) return 0;
        double x = scale * tau;
        double sinc = x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        return scale * sinc * besselI0(KAISER_BETA * Math.sqrt(1 - u * u)) / i0Beta;
    }

    /** Modified Bessel function of the first kind, order 0, by its power series (converges fast for x ≤ 20). */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 200; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** Taps applied per output sample (the cost per output sample, in multiply-adds). */
    int tapsPerOutput() {
        return taps;
    }

    /** True when the polyphase table is stored (false: coefficients computed per output sample). */
    boolean hasTable() {
        return table != null;
    }

    @Override
    public String toString() {
        return "Resampler[" + inRate + " -> " + outRate + " Hz, " + up + "/" + down + ", " + taps + " taps/phase]";
    }
}
