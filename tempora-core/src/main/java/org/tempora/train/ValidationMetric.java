package org.tempora.train;

import org.tempora.data.BatchSource;
import org.tempora.eval.Metrics;

/**
 * The number a run selects its best epoch by: top-1 accuracy (single-label) or mAP (multi-label, macro over
 * classes with a positive, as AudioSet reports it). Kept minimal here; {@code org.tempora.eval.Metrics} has the
 * full set.
 */
public final class ValidationMetric {
    private ValidationMetric() {}

    public static String name(boolean multiLabel) {
        return multiLabel ? "mAP" : "top1";
    }

    /** The metric of {@code scores} against the labels of {@code source} (one row per clip, in its order). */
    public static double of(float[][] scores, BatchSource source, boolean multiLabel) {
        int[][] labels = new int[source.size()][];
        for (int i = 0; i < labels.length; i++) labels[i] = source.labels(i);
        return compute(scores, labels, source.numClasses(), multiLabel);
    }

    public static double compute(float[][] scores, int[][] labels, int classes, boolean multiLabel) {
        if (!multiLabel) {
            int correct = 0;
            for (int i = 0; i < scores.length; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) if (scores[i][c] > scores[i][best]) best = c;
                if (best == labels[i][0]) correct++;
            }
            return scores.length == 0 ? Double.NaN : correct / (double) scores.length;
        }
        boolean[][] t = new boolean[scores.length][classes];
        for (int i = 0; i < labels.length; i++) for (int l : labels[i]) t[i][l] = true;
        return Metrics.meanAveragePrecision(scores, t).mean();
    }
}
