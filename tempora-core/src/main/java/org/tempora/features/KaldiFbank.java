package org.tempora.features;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.jtransforms.fft.DoubleFFT_1D;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.audio.Waveform;

/**
 * Kaldi-compatible log-mel filterbank, identical to {@code torchaudio.compliance.kaldi.fbank} for the options in
 * {@link FbankOptions}. This is the front-end every AST-style model consumes.
 *
 * <p>Per frame, in this order (the order matters): extract {@code window_size} samples (snip_edges, or Kaldi's
 * reflected edges) → optional dither → subtract the frame mean → pre-emphasis {@code y[n] = x[n] − c·x[n−1]}
 * with {@code x[−1] = x[0]} → window → zero-pad to the FFT size → real FFT → power (or magnitude) → mel
 * filterbank → {@code log(max(E, float32 eps))}.
 *
 * <p>Precision: the window and mel weights are built in float32 exactly as torch builds them; the frame
 * arithmetic, FFT and mel sums run in double and are rounded to float32 at the end. The result therefore sits
 * within the reference's own float32 rounding noise (see the fbank fixtures' tolerances).
 *
 * <p>An instance is immutable and thread-safe; per-thread scratch buffers are kept in a ThreadLocal.
 */
public final class KaldiFbank {
    /** float32 machine epsilon, the floor of the log energies (log gives −15.942385). */
    public static final double EPSILON = 1.1920928955078125e-07;

    private final FbankOptions options;
    private final int windowSize;
    private final int windowShift;
    private final int nfft;
    private final double[] window;
    private final MelBanks melBanks;
    private final ThreadLocal<Scratch> scratch;

    private static final class Scratch {
        final DoubleFFT_1D fft;
        final double[] buf;
        final double[] spectrum;
        final double[] energies;
        final BlockKernel kernel;
        final double[] block;

        Scratch(int nfft, int bins, BlockKernel kernel) {
            fft = new DoubleFFT_1D(nfft);
            buf = new double[nfft];
            spectrum = new double[nfft / 2 + 1];
            energies = new double[bins];
            this.kernel = kernel;
            block = kernel == null ? null : new double[kernel.block() * nfft];
        }
    }

    private static final Map<FbankOptions, KaldiFbank> SHARED = new ConcurrentHashMap<>();

    /** A shared instance for these options (tables are built once per distinct options). */
    public static KaldiFbank of(FbankOptions options) {
        return SHARED.computeIfAbsent(options, KaldiFbank::new);
    }

    public KaldiFbank(FbankOptions options) {
        this.options = options;
        this.windowSize = options.windowSize();
        this.windowShift = options.windowShift();
        this.nfft = options.paddedWindowSize();
        if (nfft % 2 != 0) {
            throw new ConfigException("the FFT size " + nfft + " must be even (use round-to-power-of-two or an even window)");
        }
        float[] w = options.window().build(windowSize, options.blackmanCoeff());
        this.window = new double[windowSize];
        for (int i = 0; i < windowSize; i++) window[i] = w[i];
        this.melBanks = MelBanks.build(options.numMelBins(), nfft, options.sampleRate(), options.lowFreq(), options.highFreq());
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(nfft, options.numMelBins(),
                BlockKernel.create(nfft, melBanks, options.usePower(), options.useLog())));
    }

    /** Whether this thread computes with the vectorised block kernel (false: JTransforms, one frame at a time). */
    public boolean vectorised() {
        return scratch.get().kernel != null;
    }

    /** The same options computed on the scalar (JTransforms) path, for comparisons. */
    static Spectrogram computeScalar(FbankOptions o, float[] samples) {
        String old = System.getProperty(BlockKernel.SCALAR_PROPERTY);
        System.setProperty(BlockKernel.SCALAR_PROPERTY, "true");
        try {
            return new KaldiFbank(o).compute(samples, "scalar");
        } finally {
            if (old == null) System.clearProperty(BlockKernel.SCALAR_PROPERTY);
            else System.setProperty(BlockKernel.SCALAR_PROPERTY, old);
        }
    }

    public FbankOptions options() {
        return options;
    }

    public MelBanks melBanks() {
        return melBanks;
    }

    /** The float32 analysis window as torch builds it. */
    public float[] window() {
        float[] w = new float[windowSize];
        for (int i = 0; i < windowSize; i++) w[i] = (float) window[i];
        return w;
    }

    /**
     * Computes the fbank of a waveform. Its sample rate must equal the options' sample rate (resample first).
     *
     * @throws InvalidInputException if the clip is shorter than one window, contains NaN/Inf, or has the wrong rate
     */
    public Spectrogram compute(Waveform wave) {
        if (wave.sampleRate() != options.sampleRate()) {
            throw new InvalidInputException(wave.source(), "sample rate " + wave.sampleRate()
                    + " Hz does not match the front-end's " + fmt(options.sampleRate()) + " Hz (resample first)");
        }
        return compute(wave.samples(), wave.source());
    }

    /**
     * Computes the fbank of samples at the options' rate.
     *
     * @param source name used in error messages
     */
    public Spectrogram compute(float[] samples, String source) {
        int n = samples.length;
        if (n < windowSize) throw tooShort(n, source);
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(samples[i])) throw notFinite(i, samples[i], source);
        }
        int frames = options.numFrames(n);
        int bins = options.numMelBins();
        float[] out = new float[frames * bins];
        float[] padded = options.snipEdges() ? samples : reflectPad(samples);
        rows().compute(padded, 0, frames, out, 0);
        if (options.subtractMean()) subtractMean(out, frames, bins);
        return new Spectrogram(out, frames, bins);
    }

    /** The error for a clip shorter than one analysis window. */
    InvalidInputException tooShort(long n, String source) {
        return new InvalidInputException(source, String.format(
                "clip of %d samples (%.4f s) is shorter than one analysis window of %d samples (%s ms at %s Hz)",
                n, n / options.sampleRate(), windowSize, fmt(options.frameLengthMs()), fmt(options.sampleRate())));
    }

    /** The error for a sample that is NaN or infinite. */
    static InvalidInputException notFinite(long index, float value, String source) {
        return new InvalidInputException(source, "sample " + index + " is " + value + " (audio must be finite)");
    }

    /** A new computation over one signal, frame after frame (its own dither generator, seeded). */
    Rows rows() {
        return new Rows();
    }

    /**
     * Rows of one signal, computed in any number of calls: the frames of all calls together are the frames of the
     * signal, in order, so the dither generator draws exactly as one call over the whole signal would. The values of
     * a frame depend only on its samples (and the dither draws), never on which call or block it was computed in:
     * the vectorised kernel's lanes are independent.
     */
    final class Rows {
        private final SplittableRandom rng = options.dither() > 0 ? new SplittableRandom(options.ditherSeed()) : null;

        /**
         * Computes {@code count} rows into {@code out} from row {@code row0}: frame {@code k} is
         * {@code x[offset + k·shift …]} ({@code window_size} samples, edges already applied).
         */
        void compute(float[] x, int offset, int count, float[] out, int row0) {
            Scratch s = scratch.get();
            int bins = options.numMelBins();
            if (s.kernel != null) {
                // frames in blocks through the vectorised kernel (see VectorBlockKernel)
                int block = s.kernel.block();
                for (int f0 = 0; f0 < count; f0 += block) {
                    int c = Math.min(block, count - f0);
                    for (int k = 0; k < c; k++) prepare(x, offset + (f0 + k) * windowShift, s.block, k * nfft, rng);
                    s.kernel.process(s.block, c, out, row0 + f0);
                }
            } else {
                for (int f = 0; f < count; f++) {
                    prepare(x, offset + f * windowShift, s.buf, 0, rng);
                    spectrumAndMel(s, out, (row0 + f) * bins);
                }
            }
        }
    }

    /**
     * One frame, ready for the FFT: {@code window_size} samples from {@code x[offset…]} (plus dither), minus their
     * mean, pre-emphasised on the original values ({@code x[−1] = x[0]}), windowed, zero-padded to the FFT size, into
     * {@code dst[dstOff …]}. Without dither it reads the float samples directly, in one pass the JIT vectorises.
     */
    private void prepare(float[] x, int offset, double[] dst, int dstOff, SplittableRandom rng) {
        int win = windowSize;
        double c = options.preemphasis();
        double[] w = window;
        if (rng != null) {
            // dither: materialise the noisy frame, then the same steps on it
            double d = options.dither();
            float[] noisy = new float[win];
            for (int i = 0; i < win; i++) noisy[i] = (float) (x[offset + i] + d * gaussian(rng));
            x = noisy;
            offset = 0;
        }
        double mean = 0;
        if (options.removeDcOffset()) {
            double sum = 0;
            for (int i = 0; i < win; i++) sum += x[offset + i];
            mean = sum / win;
        }
        // (x[i] − mean) − c·(x[i−1] − mean), windowed: reads only x, so the loop vectorises
        double keep = 1 - c;
        double shift = mean * keep;
        for (int i = 1; i < win; i++) {
            dst[dstOff + i] = ((double) x[offset + i] - c * x[offset + i - 1] - shift) * w[i];
        }
        dst[dstOff] = ((double) x[offset] - mean) * keep * w[0];
        Arrays.fill(dst, dstOff + win, dstOff + nfft, 0.0);
    }

    /** Scalar path (no vector API, or a non-power-of-two FFT): JTransforms FFT, power, mel, log of the frame in s.buf. */
    private void spectrumAndMel(Scratch s, float[] out, int outOffset) {
        double[] buf = s.buf;
        s.fft.realForward(buf);
        // JTransforms packing for even n: buf[0] = Re[0], buf[1] = Re[n/2], buf[2k], buf[2k+1] = Re[k], Im[k]
        double[] spec = s.spectrum;
        spec[0] = buf[0] * buf[0];
        for (int k = 1; k < nfft / 2; k++) {
            double re = buf[2 * k];
            double im = buf[2 * k + 1];
            spec[k] = re * re + im * im;
        }
        spec[nfft / 2] = buf[1] * buf[1];
        if (!options.usePower()) {
            for (int k = 0; k <= nfft / 2; k++) spec[k] = Math.sqrt(spec[k]);
        }
        double[] e = s.energies;
        melBanks.apply(spec, e);
        int bins = e.length;
        if (options.useLog()) {
            for (int b = 0; b < bins; b++) out[outOffset + b] = (float) Math.log(Math.max(e[b], EPSILON));
        } else {
            for (int b = 0; b < bins; b++) out[outOffset + b] = (float) e[b];
        }
    }

    /**
     * Kaldi's edge handling when snip_edges is false (torchaudio {@code _get_strided}): the signal is extended on the
     * left by its first samples reversed and on the right by the whole signal reversed; frames start at multiples
     * of the shift.
     */
    private float[] reflectPad(float[] x) {
        int n = x.length;
        int pad = windowSize / 2 - windowShift / 2;
        float[] out;
        if (pad > 0) {
            out = new float[pad + 2 * n];
            for (int i = 0; i < pad; i++) out[i] = x[pad - 1 - i];
            System.arraycopy(x, 0, out, pad, n);
            for (int i = 0; i < n; i++) out[pad + n + i] = x[n - 1 - i];
        } else {
            int skip = -pad;
            out = new float[(n - skip) + n];
            System.arraycopy(x, skip, out, 0, n - skip);
            for (int i = 0; i < n; i++) out[n - skip + i] = x[n - 1 - i];
        }
        return out;
    }

    private static void subtractMean(float[] out, int frames, int bins) {
        if (frames == 0) return;
        for (int b = 0; b < bins; b++) {
            double sum = 0;
            for (int f = 0; f < frames; f++) sum += out[f * bins + b];
            float mean = (float) (sum / frames);
            for (int f = 0; f < frames; f++) out[f * bins + b] -= mean;
        }
    }

    /** Standard normal by Box–Muller from the seeded generator (deterministic for a given seed). */
    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
