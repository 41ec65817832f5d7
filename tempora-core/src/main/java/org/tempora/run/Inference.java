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
import org.tempora.Stop;
import org.tempora.audio.Waveform;
import org.tempora.features.Spectrogram;

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
     * @param topK   labels to report
     * @param hopSec window hop in seconds (≤ 0: half a window)
     */
    public static FileResult classify(ModelBundle m, Path file, int topK, double hopSec) {
        Waveform w = m.frontEnd.read(file);            // the channel the model was trained on
        Spectrogram full = m.frontEnd.logMel(w);
        int t = m.frontEnd.targetFrames();
        int bins = full.bins();
        int shift = m.frontEnd.fbank().windowShift();
        int win = m.frontEnd.fbank().windowSize();
        double sr = m.frontEnd.sampleRate();
        int hopFrames = hopSec > 0 ? Math.max(1, (int) Math.round(hopSec * sr / shift)) : Math.max(1, t / 2);
        List<Integer> starts = new ArrayList<>();
        if (full.frames() <= t) {
            starts.add(0);
        } else {
            for (int s = 0; s + t <= full.frames(); s += hopFrames) starts.add(s);
            int last = full.frames() - t;
            if (starts.get(starts.size() - 1) != last) starts.add(last); // cover the end of the file
        }
        float[] x = new float[starts.size() * t * bins];
        for (int k = 0; k < starts.size(); k++) {
            int s = starts.get(k);
            int n = Math.min(t, full.frames() - s);
            System.arraycopy(full.data(), s * bins, x, k * t * bins, n * bins); // the rest stays 0: AST's padding
        }
        float[][] probs = score(m, x, starts.size(), t, bins);
        int c = m.classes.size();
        double[] mean = new double[c];
        List<Window> windows = new ArrayList<>();
        for (int k = 0; k < starts.size(); k++) {
            for (int j = 0; j < c; j++) mean[j] += probs[k][j] / starts.size();
            double start = starts.get(k) * (double) shift / sr;
            double end = Math.min(w.durationSeconds(), ((starts.get(k) + t - 1) * (double) shift + win) / sr);
            windows.add(new Window(start, end, top(m, toDouble(probs[k]), topK)));
        }
        return new FileResult(file, w.durationSeconds(), top(m, mean, topK), starts.size() > 1 ? windows : List.of());
    }

    private static float[][] score(ModelBundle m, float[] x, int n, int t, int bins) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        float[][] out = new float[n][];
        int batch = Math.max(1, m.config.eval().batchSize());
        try (Stop.Region polling = Stop.cooperate()) {
            for (int start = 0; start < n; start += batch) {
                Stop.check("while classifying");
                int b = Math.min(batch, n - start);
                try (NDManager sub = m.model.manager().newSubManager()) {
                    NDArray in = sub.create(Arrays.copyOfRange(x, start * t * bins, (start + b) * t * bins), new Shape(b, t, bins));
                    NDArray logits = m.model.forward(in, false).logits();
                    NDArray p = m.multiLabel ? Activation.sigmoid(logits) : logits.softmax(-1);
                    float[] flat = p.toFloatArray();
                    int c = m.classes.size();
                    for (int i = 0; i < b; i++) out[start + i] = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
                }
            }
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
