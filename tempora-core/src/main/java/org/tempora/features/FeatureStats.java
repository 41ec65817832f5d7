package org.tempora.features;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.tempora.InvalidInputException;
import org.tempora.TemporaException;

/**
 * Dataset mean and standard deviation of fbank features — the two numbers AST normalises with
 * ({@code (x − mean)/(2·std)}), and what its users compute for a new dataset.
 *
 * <p>Exact over every cell of every clip (AST's own script averages per-batch means and stds, which depends on
 * the batch size and order; the exact global value is what that estimate approximates). Files are processed in
 * parallel, and per-file partial results (count, mean, M2) are merged in file order with Chan's formula, so the
 * result does not depend on the number of threads.
 *
 * <p>Each file is read as a stream ({@link FrontEnd#openInput}): its rows are gathered in chunks of
 * {@value #CHUNK_CELLS} cells, each chunk's (count, mean, M2) is taken in two passes over the chunk and the chunks
 * are merged with the same formula. A file of any length thus needs one chunk of memory per thread; a file that fits
 * in one chunk (82 s at AST's settings) gives exactly the numbers of a two-pass computation over the whole file.
 * With a target frame count only that prefix is computed.
 */
public final class FeatureStats {
    private FeatureStats() {}

    /** The result; {@code skipped} lists the bad files that were skipped (with their problem). */
    public record Result(double mean, double std, int files, long frames, long cells, List<String> skipped) {}

    record Partial(long n, double mean, double m2, int frames) {}

    /**
     * @param frontEnd  the front-end to compute features with (normalisation, if set, is ignored)
     * @param threads   worker threads (≥ 1)
     * @param skipBad   skip unreadable/bad files instead of failing on the first
     * @param onFileDone called after each file (for a progress bar); may be null
     */
    public static Result compute(List<Path> files, FrontEnd frontEnd, int threads, boolean skipBad, Consumer<Path> onFileDone) {
        if (files.isEmpty()) throw new TemporaException("no audio files to compute statistics over");
        FrontEnd fe = new FrontEnd(frontEnd.fbank(), frontEnd.channel(), frontEnd.targetFrames(), Double.NaN, Double.NaN);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "tempora-stats");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Partial>> futures = new ArrayList<>(files.size());
            for (Path f : files) {
                futures.add(pool.submit(() -> {
                    try {
                        return partial(fe, f);
                    } finally {
                        if (onFileDone != null) onFileDone.accept(f);
                    }
                }));
            }
            long n = 0;
            double mean = 0;
            double m2 = 0;
            long frames = 0;
            int used = 0;
            List<String> skipped = new ArrayList<>();
            for (Future<Partial> fu : futures) {
                Partial p;
                try {
                    p = fu.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (skipBad && c instanceof InvalidInputException bad) {
                        skipped.add(bad.getMessage());
                        continue;
                    }
                    if (c instanceof RuntimeException re) throw re;
                    throw new TemporaException("statistics failed: " + c, c);
                }
                if (p.n == 0) continue;
                long total = n + p.n;
                double delta = p.mean - mean;
                mean += delta * p.n / total;
                m2 += p.m2 + delta * delta * ((double) n * p.n / total);
                n = total;
                frames += p.frames;
                used++;
            }
            if (n < 2) throw new TemporaException("no usable audio: every file was skipped");
            return new Result(mean, Math.sqrt(m2 / (n - 1)), used, frames, n, skipped);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TemporaException("interrupted");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Cells gathered before a chunk's mean and M2 are taken: 4 MiB of floats (8192 frames of 128 bins). */
    static final int CHUNK_CELLS = 1 << 20;

    /** The (count, mean, M2) of one file's features, from a stream, one chunk of rows at a time. */
    static Partial partial(FrontEnd fe, Path f) {
        return partial(fe, f, CHUNK_CELLS);
    }

    static Partial partial(FrontEnd fe, Path f, int chunkCells) {
        try (LogMelStream s = fe.openInput(fe.source(f))) {
            int bins = s.bins();
            int chunkRows = Math.max(1, chunkCells / bins);
            float[] buf = new float[Math.min(chunkRows, Math.max(1, s.rows())) * bins];
            Partial total = null;
            int held = 0;
            for (int got; (got = s.read(buf, held, buf.length / bins - held)) >= 0; ) {
                held += got;
                if (held == buf.length / bins) {
                    total = merge(total, partial(buf, held * bins));
                    held = 0;
                }
            }
            if (held > 0 || total == null) total = merge(total, partial(buf, held * bins));
            return new Partial(total.n, total.mean, total.m2, s.rows());
        }
    }

    /** Two passes over {@code x[0..len)}: the sum, then the squared deviations from the mean. */
    private static Partial partial(float[] x, int len) {
        double sum = 0;
        for (int i = 0; i < len; i++) sum += x[i];
        double mean = sum / len;
        double m2 = 0;
        for (int i = 0; i < len; i++) {
            double d = x[i] - mean;
            m2 += d * d;
        }
        return new Partial(len, mean, m2, 0);
    }

    /** Chan's parallel formula; the first partial is taken as it is. */
    private static Partial merge(Partial a, Partial b) {
        if (a == null || a.n == 0) return b;
        if (b.n == 0) return a;
        long total = a.n + b.n;
        double delta = b.mean - a.mean;
        double mean = a.mean + delta * b.n / total;
        double m2 = a.m2 + b.m2 + delta * delta * ((double) a.n * b.n / total);
        return new Partial(total, mean, m2, 0);
    }
}
