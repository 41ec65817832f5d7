package org.tempora.features;

import java.util.Arrays;
import org.tempora.InvalidInputException;
import org.tempora.audio.Resampler;
import org.tempora.audio.SampleSource;
import org.tempora.audio.SampleStream;

/**
 * The front-end's log-mel rows of one clip, computed a few hundred frames at a time from audio read block by block,
 * so that a clip of any length needs the same small amount of memory. The values are bit for bit those of the
 * whole-signal path ({@link FrontEnd#compute(org.tempora.audio.Waveform)}: resample, remove the clip mean, Kaldi
 * fbank, pad or truncate, normalise), for every option: snip_edges or Kaldi's reflected edges, dither (the same
 * generator, drawn frame after frame), pre-emphasis, DC removal and subtract_mean.
 *
 * <p>The clip mean is removed before the fbank, as AST's loader does, so the audio is read twice: a first pass
 * (decode and resample, no fbank) sums and counts the samples, which gives the mean and the frame count before any
 * row is produced; the second pass computes the rows. With {@code subtract_mean} (off in AST) one more pass
 * computes the per-bin means over all frames first. A clip of at most {@link Tuning#memorySamples} samples is kept
 * in memory after the first pass and not read again.
 *
 * <p>With a row limit (the model's {@code target_frames}) only the frames of the prefix are computed; the first pass
 * still reads the whole clip, since its mean depends on every sample.
 *
 * <p>Memory: the first pass holds one block of samples (and the short-clip copy); the row pass holds about
 * {@code chunkRows · shift + window + readBlock} samples, one chunk of rows and the resampler's window. Not
 * thread-safe; a stream may move between threads between calls.
 */
public final class LogMelStream implements AutoCloseable {

    /**
     * How the stream reads: samples per read, rows per fbank step, and the longest clip (in samples at the fbank
     * rate) kept in memory between the passes instead of being read again.
     */
    record Tuning(int readBlock, int chunkRows, int memorySamples) {
        /** 16 Ki samples per read, 256 rows per step, clips up to 2 Mi samples (8 MiB; 131 s at 16 kHz) kept. */
        static final Tuning DEFAULT = new Tuning(1 << 14, 256, 1 << 21);

        Tuning {
            if (readBlock < 1 || chunkRows < 1 || memorySamples < 0) throw new IllegalArgumentException(toString());
        }
    }

    private final FbankOptions o;
    private final KaldiFbank fbank;
    private final SampleSource source;
    private final String name;
    private final Tuning tuning;
    private final int rate;
    private final int bins;
    private final int win;
    private final int shift;
    /** Samples of Kaldi's reflected left edge (0 with snip_edges; negative when the shift exceeds the window). */
    private final int pad;
    private final long samples;
    private final long sourceSamples;
    private final int sourceRate;
    private final float clipMean;
    private final float[] memory;
    private final int naturalFrames;
    private final int computed;
    private final int rows;
    private final float[] columnMeans;
    private final boolean normalize;
    private final float normMean;
    private final float normDivisor;

    private Framer framer;
    private int delivered;
    private boolean closed;

    /**
     * @param limit     compute at most this many rows (the prefix); {@link Integer#MAX_VALUE} for all
     * @param padTo     hand out exactly this many rows, zero rows (log-domain 0) after the computed ones; 0: as computed
     * @param normMean  normalise {@code (x − mean)/(2·std)} as {@link AstInput#normalize}; NaN: no normalisation
     */
    LogMelStream(FbankOptions options, SampleSource source, int limit, int padTo, double normMean, double normStd, Tuning tuning) {
        if (limit < 1) throw new IllegalArgumentException("row limit must be positive: " + limit);
        if (padTo < 0) throw new IllegalArgumentException("padTo must be >= 0: " + padTo);
        this.o = options;
        this.fbank = KaldiFbank.of(options);
        this.source = source;
        this.name = source.name();
        this.tuning = tuning;
        this.rate = (int) options.sampleRate();
        if (rate != options.sampleRate()) throw new IllegalArgumentException("the fbank rate must be whole Hz: " + options.sampleRate());
        this.bins = options.numMelBins();
        this.win = options.windowSize();
        this.shift = options.windowShift();
        this.pad = options.snipEdges() ? 0 : win / 2 - shift / 2;
        this.normalize = !Double.isNaN(normMean);
        this.normMean = (float) normMean;
        this.normDivisor = (float) (normStd * 2.0);

        // pass 1: count and sum the samples at the fbank rate (and keep them when the clip is short)
        float[] mem = new float[Math.min(tuning.memorySamples(), 1 << 16)];
        long n = 0;
        double sum = 0;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        Counting raw = new Counting(source.open());
        try (SampleStream s = resampled(raw)) {
            float[] block = new float[tuning.readBlock()];
            for (int got; (got = s.read(block, 0, block.length)) >= 0; ) {
                for (int i = 0; i < got; i++) {
                    float v = block[i];
                    sum += v;
                    if (v < min) min = v;
                    if (v > max) max = v;
                }
                if (mem != null) {
                    if (n + got > tuning.memorySamples()) {
                        mem = null;
                    } else {
                        if (n + got > mem.length) mem = Arrays.copyOf(mem, (int) Math.min(tuning.memorySamples(), Math.max(n + got, 2L * mem.length)));
                        System.arraycopy(block, 0, mem, (int) n, got);
                    }
                }
                n += got;
            }
        }
        this.samples = n;
        this.sourceSamples = raw.count;
        this.sourceRate = raw.sampleRate();
        this.memory = mem;
        this.clipMean = (float) (sum / Math.max(1, n));
        if (n < win) throw fbank.tooShort(n, name);
        if (!Float.isFinite(clipMean) || !Float.isFinite(max - clipMean) || !Float.isFinite(min - clipMean)) {
            throw firstNotFinite();
        }
        this.naturalFrames = options.numFrames(n);
        this.computed = Math.min(naturalFrames, limit);
        this.rows = padTo > 0 ? padTo : computed;

        // subtract_mean: the per-bin means over every frame of the clip, as the whole-signal fbank takes them
        if (options.subtractMean() && naturalFrames > 0) {
            double[] sums = new double[bins];
            float[] chunk = new float[tuning.chunkRows() * bins];
            try (Framer f = new Framer(naturalFrames)) {
                for (int done = 0; done < naturalFrames; ) {
                    int c = Math.min(tuning.chunkRows(), naturalFrames - done);
                    f.read(chunk, 0, c);
                    for (int r = 0; r < c; r++) {
                        for (int b = 0; b < bins; b++) sums[b] += chunk[r * bins + b];
                    }
                    done += c;
                }
            }
            columnMeans = new float[bins];
            for (int b = 0; b < bins; b++) columnMeans[b] = (float) (sums[b] / naturalFrames);
        } else {
            columnMeans = null;
        }
    }

    /** Rows this stream hands out: the target frame count when padding, else the computed rows. */
    public int rows() {
        return rows;
    }

    /** Mel bins per row. */
    public int bins() {
        return bins;
    }

    /** Frames of the whole clip (its natural fbank length, whatever the limit). */
    public int naturalFrames() {
        return naturalFrames;
    }

    /** Samples of the clip at the fbank rate (after resampling). */
    public long samples() {
        return samples;
    }

    /** Duration of the audio as read, at its own rate. */
    public double sourceSeconds() {
        return sourceSamples / (double) sourceRate;
    }

    /**
     * Reads up to {@code maxRows} rows into {@code dst}, row {@code k} at {@code dst[(rowOffset + k)·bins …]}.
     *
     * @return the number of rows (at least 1 when {@code maxRows > 0}), or −1 when all rows have been read
     * @throws InvalidInputException naming the source when the audio is bad (or changed since the first pass)
     */
    public int read(float[] dst, int rowOffset, int maxRows) {
        if (closed) throw new IllegalStateException("stream is closed");
        if (maxRows == 0) return 0;
        if (delivered >= rows) return -1;
        int want = Math.min(maxRows, rows - delivered);
        int got;
        if (delivered < computed) {
            if (framer == null) framer = new Framer(computed);
            got = Math.min(want, computed - delivered);
            framer.read(dst, rowOffset, got);
            if (columnMeans != null) {
                for (int r = 0; r < got; r++) {
                    int row = (rowOffset + r) * bins;
                    for (int b = 0; b < bins; b++) dst[row + b] -= columnMeans[b];
                }
            }
            if (delivered + got == computed) closeFramer();
        } else {
            got = want;
            Arrays.fill(dst, rowOffset * bins, (rowOffset + got) * bins, 0f);
        }
        if (normalize) {
            for (int i = rowOffset * bins, end = (rowOffset + got) * bins; i < end; i++) dst[i] = (dst[i] - normMean) / normDivisor;
        }
        delivered += got;
        return got;
    }

    /** All (remaining) rows as one spectrogram. @throws InvalidInputException when they cannot be held in one array */
    public Spectrogram readAll() {
        int left = rows - delivered;
        if ((long) left * bins > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException(name, left + " frames are too many to hold in memory at once; read them as a stream");
        }
        float[] out = new float[left * bins];
        for (int done = 0; done < left; ) done += read(out, done, left - done);
        return new Spectrogram(out, left, bins);
    }

    @Override
    public void close() {
        closed = true;
        closeFramer();
    }

    private void closeFramer() {
        if (framer != null) {
            framer.close();
            framer = null;
        }
    }

    /** The source's samples at the fbank rate. */
    private SampleStream resampled(SampleStream raw) {
        try {
            return raw.sampleRate() == rate ? raw : Resampler.of(raw.sampleRate(), rate).open(raw, tuning.readBlock());
        } catch (RuntimeException | Error e) {
            raw.close();
            throw e;
        }
    }

    /** A new pass over the samples at the fbank rate, before the clip mean is removed. */
    private SampleStream pass() {
        return memory != null ? SampleStream.of(memory, (int) samples, rate) : resampled(source.open());
    }

    /** Finds the first sample that is not finite once the clip mean is removed, as the whole-signal check reports it. */
    private InvalidInputException firstNotFinite() {
        try (SampleStream s = pass()) {
            float[] block = new float[tuning.readBlock()];
            long i = 0;
            for (int got; (got = s.read(block, 0, block.length)) >= 0; i += got) {
                for (int k = 0; k < got; k++) {
                    float v = block[k] - clipMean;
                    if (!Float.isFinite(v)) return KaldiFbank.notFinite(i + k, v, name);
                }
            }
        }
        return new InvalidInputException(name, "samples are not finite (audio must be finite)");
    }

    /**
     * One pass computing frames 0, 1, … in order from a window of samples that slides along the clip. Frame f covers
     * samples {@code f·shift … f·shift + window − 1} of the edge-extended signal: the clip itself with snip_edges,
     * else Kaldi's extension (the first {@code pad} samples mirrored on the left, the clip mirrored on the right).
     */
    private final class Framer implements AutoCloseable {
        private final SampleStream in;
        private final KaldiFbank.Rows rowComputer = fbank.rows();
        /** The lowest clip sample the mirrored right edge of this pass reads (Long.MAX_VALUE: no right edge). */
        private final long reflectLow;
        private float[] buf;
        private long bufStart;
        private int bufLen;
        private boolean ended;
        private float[] seg;
        private int next;

        Framer(int frames) {
            this.in = pass();
            long lastEnd = (long) (frames - 1) * shift + win;
            this.reflectLow = lastEnd > pad + samples ? 2 * samples + pad - lastEnd : Long.MAX_VALUE;
            this.buf = new float[tuning.chunkRows() * shift + win + tuning.readBlock()];
        }

        /** Computes the next {@code count} frames into rows {@code row0 …} of {@code out}. */
        void read(float[] out, int row0, int count) {
            for (int done = 0; done < count; ) {
                int c = Math.min(tuning.chunkRows(), count - done);
                step(out, row0 + done, c);
                done += c;
            }
        }

        private void step(float[] out, int row0, int c) {
            long p0 = (long) next * shift;                       // extended-signal index of the first sample
            long pEnd = (long) (next + c - 1) * shift + win;     // after the last one
            long lo = Math.max(0, Math.min(p0 - pad, reflectLow));
            long hi = Math.min(samples, pEnd - pad);
            fill(lo, hi);
            if (p0 >= pad && pEnd <= pad + samples) {
                // inside the clip: the frames read the window in place
                rowComputer.compute(buf, (int) (p0 - pad - bufStart), c, out, row0);
            } else {
                // at a mirrored edge: assemble the extended signal for these frames
                int len = (int) (pEnd - p0);
                if (seg == null || seg.length < len) seg = new float[len];
                for (int i = 0; i < len; i++) {
                    long p = p0 + i;
                    long q = p < pad ? pad - 1 - p : p < pad + samples ? p - pad : 2 * samples + pad - 1 - p;
                    seg[i] = buf[(int) (q - bufStart)];
                }
                rowComputer.compute(seg, 0, c, out, row0);
            }
            next += c;
        }

        /** Slides the window to hold clip samples {@code [lo, hi)}: drops what lies before lo, reads up to hi. */
        private void fill(long lo, long hi) {
            drop(lo);
            while (bufStart + bufLen < hi) {
                if (ended) {
                    throw new InvalidInputException(name, "the audio changed while being read: the second pass ended after "
                            + (bufStart + bufLen) + " of " + samples + " samples");
                }
                int block = tuning.readBlock();
                if (buf.length - bufLen < block) buf = Arrays.copyOf(buf, bufLen + block);
                int got = in.read(buf, bufLen, block);
                if (got < 0) {
                    ended = true;
                    continue;
                }
                long index = bufStart + bufLen;
                for (int k = bufLen, end = bufLen + got; k < end; k++) {
                    float v = buf[k] - clipMean;
                    if (!Float.isFinite(v)) throw KaldiFbank.notFinite(index + k - bufLen, v, name);
                    buf[k] = v;
                }
                bufLen += got;
                drop(lo);
            }
        }

        private void drop(long lo) {
            if (lo <= bufStart) return;
            int d = (int) Math.min(lo - bufStart, bufLen);
            System.arraycopy(buf, d, buf, 0, bufLen - d);
            bufLen -= d;
            bufStart += d;
        }

        @Override
        public void close() {
            in.close();
        }
    }

    /** Counts the samples of the source as read, at its own rate. */
    private static final class Counting implements SampleStream {
        private final SampleStream in;
        long count;

        Counting(SampleStream in) {
            this.in = in;
        }

        @Override
        public int sampleRate() {
            return in.sampleRate();
        }

        @Override
        public int read(float[] buf, int off, int len) {
            int got = in.read(buf, off, len);
            if (got > 0) count += got;
            return got;
        }

        @Override
        public void close() {
            in.close();
        }
    }
}
