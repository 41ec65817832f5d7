package org.tempora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tempora.Stop;
import org.tempora.data.Batch;
import org.tempora.data.BatchSource;
import org.tempora.model.TemporaModel;

/** Runs a model over a split without gradients and returns its logits (and the mean loss). */
public final class Evaluator {
    private Evaluator() {}

    /**
     * Logits of every example (row = example index), the mean loss over the split, and the mean over the split's
     * examples of every scalar extra the model reports in evaluation mode (DiffRes: guide loss, activeness, score std,
     * share of clips with silent frames; each batch's value weighted by its size).
     */
    public record Scores(float[][] logits, double loss, double seconds, Map<String, Double> extras) {
        public Scores {
            extras = extras == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extras));
        }
    }

    public static Scores run(TemporaModel model, BatchSource source, int batchSize, boolean multiLabel) {
        int n = source.size();
        float[][] out = new float[n][];
        double lossSum = 0;
        Map<String, Double> extraSums = new LinkedHashMap<>();
        boolean wasGrad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        model.train(false);
        long t0 = System.nanoTime();
        try (Stop.Region polling = Stop.cooperate()) {
            for (int start = 0; start < n; start += batchSize) {
                Stop.check("during evaluation");
                int b = Math.min(batchSize, n - start);
                int[] idx = new int[b];
                for (int i = 0; i < b; i++) idx[i] = start + i;
                Batch batch = source.batch(idx, false, null);
                try (NDManager sub = model.manager().newSubManager()) {
                    NDArray x = sub.create(batch.x(), new Shape(b, batch.frames(), batch.bins()));
                    NDArray y = sub.create(batch.y(), new Shape(b, batch.classes()));
                    TemporaModel.Output output = model.forward(x, false);
                    NDArray logits = output.logits();
                    for (Map.Entry<String, NDArray> e : output.extras().entrySet()) {
                        if (e.getValue().size() == 1) extraSums.merge(e.getKey(), (double) e.getValue().getFloat() * b, Double::sum);
                    }
                    NDArray loss = multiLabel ? Losses.binaryCrossEntropy(logits, y) : Losses.crossEntropy(logits, y);
                    lossSum += loss.getFloat() * b;
                    float[] flat = logits.toFloatArray();
                    int c = batch.classes();
                    for (int i = 0; i < b; i++) {
                        out[start + i] = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
                    }
                }
            }
        } finally {
            JniUtils.setGradMode(wasGrad);
        }
        Map<String, Double> extras = new LinkedHashMap<>();
        extraSums.forEach((k, v) -> extras.put(k, v / n));
        return new Scores(out, n == 0 ? Double.NaN : lossSum / n, (System.nanoTime() - t0) / 1e9, extras);
    }
}
