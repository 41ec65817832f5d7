package org.tempora.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.tempora.ConfigException;
import org.tempora.Stop;
import org.tempora.audio.SampleSource;
import org.tempora.features.LogMelStream;

/**
 * Classifies audio files with a trained model. A file no longer than the model's input is padded and scored
 * once; a longer file is scored in sliding windows of the model's input length, with a per-window timeline
 * and an aggregate (the mean of the window probabilities). Probabilities are softmax for single-label models
 * and sigmoid for multi-label ones.
 */
public final class Inference {
    private Inference() {}

    /** One scored label. */
    public record Label(String name, int index, double score) {}

    /** One window of the timeline. */
    public record Window(double startSeconds, double endSeconds, List<Label> top) {}

    /** The result for a file. */
    public record FileResult(Path file, double durationSeconds, List<Label> top, List<Window> windows) {}

    /**
     * Scores a file in bounded memory: its log-mel is computed from a stream (a pass for the clip mean, then the rows)
     * and each window is assembled from a sliding buffer of rows, so a file of any length needs about one window of
     * rows, one batch of windows and the per-window scores. Windows and batches are those of the whole-signal
     * computation, so the scores are the same.
     *
     * @param topK   labels to report
     * @param hopSec window hop in seconds (≤ 0: half a window)
     */
    public static FileResult classify(ModelBundle m, Path file, int topK, double hopSec) {
        return classify(m, m.frontEnd.source(file), file, topK, hopSec); // the channel the model was trained on
    }

    /**
     * Scores audio from any source (a file, a waveform in memory: {@link SampleSource#of}) as {@link #classify(ModelBundle,
     * Path, int, double)} does; it is resampled to the model's rate as it is read.
     *
     * @param file what the result names (null for audio that is not a file)
     */
    public static FileResult classify(ModelBundle m, SampleSource audio, Path file, int topK, double hopSec) {
        if (topK < 1) throw new ConfigException("top-k must be at least 1, got " + topK);
        try (Stop.Region polling = Stop.cooperate();
             LogMelStream stream = m.frontEnd.openLogMel(audio)) {
            int frames = stream.rows();
            int t = m.frontEnd.targetFrames();
            int bins = stream.bins();
            int shift = m.frontEnd.fbank().windowShift();
            int win = m.frontEnd.fbank().windowSize();
            double sr = m.frontEnd.sampleRate();
            double duration = stream.sourceSeconds();
            int hopFrames = hopSec > 0 ? Math.max(1, (int) Math.round(hopSec * sr / shift)) : Math.max(1, t / 2);
            List<Integer> starts = new ArrayList<>();
            if (frames <= t) {
                starts.add(0);
            } else {
                for (int s = 0; s + t <= frames; s += hopFrames) starts.add(s);
                int last = frames - t;
                if (starts.get(starts.size() - 1) != last) starts.add(last); // cover the end of the file
            }
            int batch = Math.max(1, m.config.eval().batchSize());
            int c = m.classes.size();
            RowWindow rows = new RowWindow(stream, t);
            float[] x = new float[Math.min(batch, starts.size()) * t * bins];
            double[] mean = new double[c];
            List<Window> windows = new ArrayList<>();
            for (int b0 = 0; b0 < starts.size(); b0 += batch) {
                Stop.check("while classifying " + audio.name());
                int b = Math.min(batch, starts.size() - b0);
                Arrays.fill(x, 0f); // rows past the end of the file stay 0: AST's padding
                for (int k = 0; k < b; k++) rows.copy(starts.get(b0 + k), x, k * t * bins);
                float[][] probs = score(m, x, b, t, bins);
                for (int k = 0; k < b; k++) {
                    for (int j = 0; j < c; j++) mean[j] += probs[k][j] / starts.size();
                    int s = starts.get(b0 + k);
                    double start = s * (double) shift / sr;
                    double end = Math.min(duration, ((s + t - 1) * (double) shift + win) / sr);
                    windows.add(new Window(start, end, top(m, toDouble(probs[k]), topK)));
                }
            }
            return new FileResult(file, duration, top(m, mean, topK), starts.size() > 1 ? windows : List.of());
        }
    }

    /**
     * A clip no longer than the model's input, as that input: {@code t·bins} raw log-mel rows, zero-padded, exactly the
     * window {@link #classify(ModelBundle, SampleSource, Path, int, double)} scores for it. Inputs of several clips can
     * be scored in one forward pass ({@link #scoreInputs}); this is how a server batches concurrent requests.
     */
    public record ClipInput(String name, double durationSeconds, float[] rows) {}

    /**
     * The model input of a clip that fits in one window, or null when the clip is longer (classify it as a whole).
     * Only the first {@code t + 1} rows are ever computed.
     */
    public static ClipInput clipInput(ModelBundle m, SampleSource audio) {
        int t = m.frontEnd.targetFrames();
        try (LogMelStream stream = m.frontEnd.openLogMel(audio, t + 1)) {
            if (stream.naturalFrames() > t) return null;
            float[] x = new float[t * stream.bins()];
            for (int done = 0, got; done < t && (got = stream.read(x, done, t - done)) > 0; ) done += got;
            return new ClipInput(audio.name(), stream.sourceSeconds(), x);
        }
    }

    /** Labels of each clip input, scored as one batch (one forward pass). */
    public static List<FileResult> scoreInputs(ModelBundle m, List<ClipInput> inputs, int topK) {
        if (topK < 1) throw new ConfigException("top-k must be at least 1, got " + topK);
        if (inputs.isEmpty()) return List.of();
        int t = m.frontEnd.targetFrames();
        int per = inputs.get(0).rows().length;
        int bins = per / t;
        float[] x = new float[inputs.size() * per];
        for (int k = 0; k < inputs.size(); k++) {
            float[] r = inputs.get(k).rows();
            if (r.length != per) throw new ConfigException("clip input " + k + " has " + r.length + " values, expected " + per);
            System.arraycopy(r, 0, x, k * per, per);
        }
        float[][] probs = score(m, x, inputs.size(), t, bins);
        List<FileResult> out = new ArrayList<>(inputs.size());
        for (int k = 0; k < inputs.size(); k++) {
            out.add(new FileResult(null, inputs.get(k).durationSeconds(), top(m, toDouble(probs[k]), topK), List.of()));
        }
        return out;
    }

    /** The rows of one window at a time, read from the stream as the windows move forward. */
    private static final class RowWindow {
        private final LogMelStream stream;
        private final int bins;
        private final int window;
        private final float[] buf;
        private long first;   // stream row held at buf row 0
        private int held;     // rows held
        private boolean ended;

        RowWindow(LogMelStream stream, int window) {
            this.stream = stream;
            this.bins = stream.bins();
            this.window = window;
            this.buf = new float[(window + CHUNK_ROWS) * bins];
        }

        /** Copies rows {@code [start, start + window)} (those that exist) to {@code dst[off …]}; starts never go back. */
        void copy(int start, float[] dst, int off) {
            // drop rows before start, then read until the window is held or the stream ends
            int drop = (int) Math.min(held, Math.max(0, start - first));
            System.arraycopy(buf, drop * bins, buf, 0, (held - drop) * bins);
            held -= drop;
            first += drop;
            while (!ended && first + held < start + window) {
                int got = stream.read(buf, held, Math.min(CHUNK_ROWS, window + CHUNK_ROWS - held));
                if (got < 0) {
                    ended = true;
                } else {
                    held += got;
                    if (first + held <= start) { // rows before this window (a hop longer than the window)
                        first += held;
                        held = 0;
                    } else if (first < start) {
                        int d = (int) (start - first);
                        System.arraycopy(buf, d * bins, buf, 0, (held - d) * bins);
                        held -= d;
                        first = start;
                    }
                }
            }
            int n = (int) Math.max(0, Math.min(window, first + held - start));
            System.arraycopy(buf, 0, dst, off, n * bins);
        }
    }

    /** Rows read from the stream per step. */
    private static final int CHUNK_ROWS = 256;

    /** Probabilities of {@code n} windows of {@code t} rows in {@code x}, scored as one batch. */
    private static float[][] score(ModelBundle m, float[] x, int n, int t, int bins) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        float[][] out = new float[n][];
        try (NDManager sub = m.model.manager().newSubManager()) {
            NDArray in = sub.create(Arrays.copyOf(x, n * t * bins), new Shape(n, t, bins));
            NDArray logits = m.model.forward(in, false).logits();
            NDArray p = m.multiLabel ? Activation.sigmoid(logits) : logits.softmax(-1);
            float[] flat = p.toFloatArray();
            int c = m.classes.size();
            for (int i = 0; i < n; i++) out[i] = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
        } finally {
            JniUtils.setGradMode(was);
        }
        return out;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static List<Label> top(ModelBundle m, double[] p, int k) {
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < p.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
        List<Label> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, p.length); i++) out.add(new Label(m.classes.get(idx[i]), idx[i], p[idx[i]]));
        return out;
    }
}
