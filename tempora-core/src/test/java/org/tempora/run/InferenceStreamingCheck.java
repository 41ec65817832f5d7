package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.data.SyntheticDataset;
import org.tempora.features.Spectrogram;

/**
 * {@link Inference#classify} computes its windows from a stream of rows; this checks that it gives exactly what
 * the computation over the whole decoded file gives (the way it was computed before, kept here as the reference):
 * the same windows, times and scores, for clips shorter than a window, long clips (resampled too, several batches)
 * and hops shorter and longer than the window. Run by {@link EndToEndTest} on its trained model.
 */
final class InferenceStreamingCheck {
    private InferenceStreamingCheck() {}

    static Path wav(Path dir, String name, double seconds, int rate, long seed) {
        float[] x = SyntheticDataset.generate(seed, (int) (seed % 10), 0, seconds * rate / 16000.0);
        Path f = dir.resolve(name);
        WavWriter.write(f, new Waveform(x, rate, name), WavWriter.Encoding.PCM_16);
        return f;
    }

    static void streamingWindowsScoreExactlyAsTheWholeFile(ModelBundle m, Path dir) {
        List<Path> files = List.of(wav(dir, "short.wav", 0.6, 16000, 1), wav(dir, "one.wav", 1.0, 16000, 2),
                wav(dir, "long.wav", 9.37, 16000, 3), wav(dir, "long44k.wav", 4.1, 44100, 4));
        for (Path f : files) {
            for (double hop : new double[] {0, 0.23, 2.5}) {
                Inference.FileResult streamed = Inference.classify(m, f, 3, hop);
                Inference.FileResult whole = wholeFile(m, f, 3, hop);
                assertThat(streamed).as("%s, hop %s", f.getFileName(), hop).isEqualTo(whole);
                if (f.getFileName().toString().startsWith("long")) assertThat(streamed.windows()).hasSizeGreaterThan(2);
            }
        }
        // 40 s with a 0.23 s hop: more windows than one evaluation batch holds
        Path longer = wav(dir, "longer.wav", 40.3, 16000, 5);
        Inference.FileResult streamed = Inference.classify(m, longer, 3, 0.23);
        assertThat(streamed.windows()).hasSizeGreaterThan(m.config.eval().batchSize());
        assertThat(streamed).isEqualTo(wholeFile(m, longer, 3, 0.23));
    }

    /** The classification as computed before streaming: the whole log-mel in memory, windows cut from it. */
    static Inference.FileResult wholeFile(ModelBundle m, Path file, int topK, double hopSec) {
        Waveform w = m.frontEnd.read(file);
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
            if (starts.get(starts.size() - 1) != last) starts.add(last);
        }
        float[] x = new float[starts.size() * t * bins];
        for (int k = 0; k < starts.size(); k++) {
            int s = starts.get(k);
            int n = Math.min(t, full.frames() - s);
            System.arraycopy(full.data(), s * bins, x, k * t * bins, n * bins);
        }
        int n = starts.size();
        int c = m.classes.size();
        float[][] probs = new float[n][];
        int batch = Math.max(1, m.config.eval().batchSize());
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int start = 0; start < n; start += batch) {
                int b = Math.min(batch, n - start);
                try (NDManager sub = m.model.manager().newSubManager()) {
                    NDArray in = sub.create(Arrays.copyOfRange(x, start * t * bins, (start + b) * t * bins), new Shape(b, t, bins));
                    NDArray logits = m.model.forward(in, false).logits();
                    NDArray p = m.multiLabel ? Activation.sigmoid(logits) : logits.softmax(-1);
                    float[] flat = p.toFloatArray();
                    for (int i = 0; i < b; i++) probs[start + i] = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
                }
            }
        } finally {
            JniUtils.setGradMode(was);
        }
        double[] mean = new double[c];
        List<Inference.Window> windows = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            for (int j = 0; j < c; j++) mean[j] += probs[k][j] / n;
            double start = starts.get(k) * (double) shift / sr;
            double end = Math.min(w.durationSeconds(), ((starts.get(k) + t - 1) * (double) shift + win) / sr);
            double[] d = new double[c];
            for (int j = 0; j < c; j++) d[j] = probs[k][j];
            windows.add(new Inference.Window(start, end, top(m, d, topK)));
        }
        return new Inference.FileResult(file, w.durationSeconds(), top(m, mean, topK), n > 1 ? windows : List.of());
    }

    static List<Inference.Label> top(ModelBundle m, double[] p, int k) {
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < p.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
        List<Inference.Label> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, p.length); i++) out.add(new Inference.Label(m.classes.get(idx[i]), idx[i], p[idx[i]]));
        return out;
    }
}
