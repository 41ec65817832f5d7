package org.tempora.train;

import org.tempora.data.BatchSource;

/**
 * AST's AudioSet balanced sampler: class weight {@code 1000/(count_c + 0.01)}, example weight = sum of its
 * labels' class weights, drawn with replacement ({@code WeightedRandomSampler}), as many draws as examples.
 */
public final class BalancedSampler {
    private BalancedSampler() {}

    public static double[] cumulativeWeights(BatchSource s) {
        int n = s.size();
        double[] count = new double[s.numClasses()];
        for (int i = 0; i < n; i++) for (int l : s.labels(i)) count[l]++;
        double[] cum = new double[n];
        double acc = 0;
        for (int i = 0; i < n; i++) {
            double w = 0;
            for (int l : s.labels(i)) w += 1000.0 / (count[l] + 0.01);
            acc += w;
            cum[i] = acc;
        }
        for (int i = 0; i < n; i++) cum[i] /= acc;
        return cum;
    }

    /** Index whose cumulative weight first exceeds u ∈ [0, 1). */
    public static int draw(double[] cum, double u) {
        int lo = 0;
        int hi = cum.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cum[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }
}
