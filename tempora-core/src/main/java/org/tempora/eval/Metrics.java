package org.tempora.eval;

import java.util.Arrays;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;

/**
 * Classification metrics as pure functions over plain arrays.
 *
 * <p>Scores are {@code float[N][C]} (N examples × C classes) and may be logits or probabilities: every metric here
 * depends only on the order of the scores within a class column (AP, AUC) or within an example row (top-k,
 * argmax). Labels are either {@code int[N]} class indices (single-label) or {@code boolean[N][C]} multi-hot targets.
 * NaN scores are rejected ({@link InvalidInputException}); ±∞ are ordinary extreme scores; {@code -0.0f} and
 * {@code 0.0f} are the same score (a tie).
 *
 * <p>Definitions follow scikit-learn 1.2 (checked against it to 1e-9 by the tests, see
 * {@code tools/gen_metric_fixtures.py}):
 * <ul>
 *   <li>{@link #averagePrecision}: {@code AP = Σ_n (R_n − R_{n−1}) · P_n} over the distinct score thresholds in
 *       decreasing order, all examples with an equal score entering at the same threshold
 *       ({@code sklearn.metrics.average_precision_score}). Undefined (NaN) for a class without positives.</li>
 *   <li>{@link #rocAuc}: area under the ROC curve by the trapezoid rule over distinct thresholds, which equals the
 *       probability that a random positive scores above a random negative with ties counting ½
 *       ({@code roc_auc_score}). Undefined (NaN) without positives or without negatives.</li>
 *   <li>{@link #meanAveragePrecision} / {@link #meanAuc}: macro means over the classes where the metric is defined;
 *       the skipped classes are counted (AudioSet/AST mAP).</li>
 *   <li>{@link #dPrime}: {@code d′ = √2 · Φ⁻¹(AUC)} (AST applies it to the mean AUC).</li>
 *   <li>{@link #topK}: fraction of examples whose true class is among the k highest scores, with an explicit
 *       {@link TieRule}.</li>
 * </ul>
 */
public final class Metrics {
    private Metrics() {}

    /**
     * How equal scores are ordered when deciding whether the true class is among the k highest. In every rule the
     * classes with a strictly higher score come first; the rules differ only in where the true class goes among the
     * classes that have exactly its score.
     */
    public enum TieRule {
        /**
         * Lower class index first (a stable sort of the classes by decreasing score). Consistent with
         * {@link #argmax} (first maximum), so top-1 equals the accuracy of the confusion matrix. Same as
         * {@code numpy.argsort(-scores, kind="stable")} and {@code numpy.argmax}. The default.
         */
        INDEX_ORDER,
        /**
         * Higher class index first: scikit-learn's {@code top_k_accuracy_score}, which reverses a stable ascending
         * argsort. Provided to reproduce sklearn numbers exactly.
         */
        SKLEARN,
        /** The true class goes after every class tied with it: a tie never counts in its favour. */
        PESSIMISTIC
    }

    /** Top-k accuracy with {@link TieRule#INDEX_ORDER}. */
    public static double topK(float[][] scores, int[] labels, int k) {
        return topK(scores, labels, k, TieRule.INDEX_ORDER);
    }

    /**
     * Fraction of examples whose true class ranks among the {@code k} highest scores of its row; the rank of the
     * true class {@code y} with score {@code s} is {@code #{j : s_j > s}} plus the tied classes the rule puts
     * before it. {@code k ≥ C} gives 1.
     */
    public static double topK(float[][] scores, int[] labels, int k, TieRule rule) {
        int c = checkScores(scores);
        checkLabels(labels, scores.length, c);
        if (k < 1) throw new ConfigException("top-k needs k >= 1, got " + k);
        long hits = 0;
        for (int i = 0; i < scores.length; i++) {
            float[] row = scores[i];
            int y = labels[i];
            float s = row[y];
            int greater = 0, tiedBefore = 0, tiedAfter = 0;
            for (int j = 0; j < c; j++) {
                if (row[j] > s) greater++;
                else if (row[j] == s && j != y) {
                    if (j < y) tiedBefore++;
                    else tiedAfter++;
                }
            }
            int rank = switch (rule) {
                case INDEX_ORDER -> greater + tiedBefore;
                case SKLEARN -> greater + tiedAfter;
                case PESSIMISTIC -> greater + tiedBefore + tiedAfter;
            };
            if (rank < k) hits++;
        }
        return (double) hits / scores.length;
    }

    /** Index of the highest score of each row; the first (lowest index) one on ties, like {@code numpy.argmax}. */
    public static int[] argmax(float[][] scores) {
        checkScores(scores);
        int[] out = new int[scores.length];
        for (int i = 0; i < scores.length; i++) {
            float[] row = scores[i];
            int best = 0;
            for (int j = 1; j < row.length; j++) {
                if (row[j] > row[best]) best = j;
            }
            out[i] = best;
        }
        return out;
    }

    /**
     * Confusion matrix {@code m[true][predicted]} of the argmax predictions (ties → lowest index), with
     * {@code numClasses} rows and columns; {@code numClasses} must equal the number of score columns.
     */
    public static int[][] confusionMatrix(float[][] scores, int[] labels, int numClasses) {
        int c = checkScores(scores);
        if (numClasses != c) {
            throw new InvalidInputException("scores", "have " + c + " classes but " + numClasses + " were expected");
        }
        checkLabels(labels, scores.length, c);
        int[] pred = argmax(scores);
        int[][] m = new int[c][c];
        for (int i = 0; i < labels.length; i++) m[labels[i]][pred[i]]++;
        return m;
    }

    /** Per-class precision, recall, F1 and support of argmax predictions (see {@link ClassReport}). */
    public static ClassReport classReport(float[][] scores, int[] labels, int numClasses) {
        return ClassReport.of(confusionMatrix(scores, labels, numClasses));
    }

    // ------------------------------------------------------------------------------------------- ranking metrics

    /**
     * Average precision of one class, as {@code sklearn.metrics.average_precision_score}: walking the distinct
     * scores from the highest down, each threshold n adds {@code (R_n − R_{n−1}) · P_n} with
     * {@code P_n = TP_n / (TP_n + FP_n)} and {@code R_n = TP_n / positives} (R_0 = 0); equal scores enter together.
     * Returns NaN when there is no positive (sklearn returns 0 with a warning; the means below skip the class).
     */
    public static double averagePrecision(float[] score, boolean[] target) {
        long[] order = descendingOrder(score, target);
        int positives = count(target);
        if (positives == 0) return Double.NaN;
        int n = score.length;
        double ap = 0;
        long tp = 0, fp = 0;
        long prevTp = 0;
        int i = n - 1;
        while (i >= 0) {
            float s = scoreOf(order[i]);
            // one threshold: every example with this score
            while (i >= 0 && scoreOf(order[i]) == s) {
                if (target[indexOf(order[i])]) tp++;
                else fp++;
                i--;
            }
            if (tp > prevTp) {
                double precision = (double) tp / (tp + fp);
                ap += (tp - prevTp) * precision; // divided by the positives once at the end
                prevTp = tp;
            }
        }
        return ap / positives;
    }

    /**
     * Area under the ROC curve, as {@code sklearn.metrics.roc_auc_score} (trapezoid over the distinct thresholds):
     * {@code Σ_groups FP_g · (TP_before + TP_g / 2) / (P · N)}, i.e. the Mann–Whitney probability that a positive
     * outscores a negative, ties counting ½. Returns NaN without positives or without negatives (sklearn raises).
     */
    public static double rocAuc(float[] score, boolean[] target) {
        long[] order = descendingOrder(score, target);
        int positives = count(target);
        int negatives = score.length - positives;
        if (positives == 0 || negatives == 0) return Double.NaN;
        double area = 0; // in units of ½ to stay an exact integer in a double
        long tpBefore = 0;
        int i = score.length - 1;
        while (i >= 0) {
            float s = scoreOf(order[i]);
            long tpG = 0, fpG = 0;
            while (i >= 0 && scoreOf(order[i]) == s) {
                if (target[indexOf(order[i])]) tpG++;
                else fpG++;
                i--;
            }
            area += (double) fpG * (2 * tpBefore + tpG);
            tpBefore += tpG;
        }
        return area / 2.0 / ((double) positives * negatives);
    }

    /**
     * A macro mean over classes: the per-class values (NaN where undefined), their mean over the defined classes
     * (NaN if none) and how many classes were skipped. The array is not copied.
     */
    public record ClassMean(double mean, double[] perClass, int skipped) {
        /** Number of classes that entered the mean. */
        public int used() {
            return perClass.length - skipped;
        }
    }

    /** mAP: the mean of {@link #averagePrecision} over the classes with at least one positive (AudioSet/AST mAP). */
    public static ClassMean meanAveragePrecision(float[][] scores, boolean[][] targets) {
        return perClass(scores, targets, true);
    }

    /** Mean AUC over the classes with at least one positive and one negative. */
    public static ClassMean meanAuc(float[][] scores, boolean[][] targets) {
        return perClass(scores, targets, false);
    }

    private static ClassMean perClass(float[][] scores, boolean[][] targets, boolean ap) {
        int c = checkScores(scores);
        checkTargets(targets, scores.length, c);
        int n = scores.length;
        double[] values = new double[c];
        float[] col = new float[n];
        boolean[] t = new boolean[n];
        double sum = 0;
        int skipped = 0;
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < n; i++) {
                col[i] = scores[i][k];
                t[i] = targets[i][k];
            }
            double v = ap ? averagePrecision(col, t) : rocAuc(col, t);
            values[k] = v;
            if (Double.isNaN(v)) skipped++;
            else sum += v;
        }
        double mean = skipped == c ? Double.NaN : sum / (c - skipped);
        return new ClassMean(mean, values, skipped);
    }

    /** Per-class count of positive targets. */
    public static int[] positives(boolean[][] targets) {
        if (targets == null || targets.length == 0) throw new InvalidInputException("targets", "no examples");
        int[] p = new int[targets[0].length];
        for (boolean[] row : targets) {
            if (row.length != p.length) throw new InvalidInputException("targets", "rows have different lengths");
            for (int k = 0; k < p.length; k++) if (row[k]) p[k]++;
        }
        return p;
    }

    // ------------------------------------------------------------------------------------------- d′ and Φ⁻¹

    /** AST's sensitivity index {@code d′ = √2 · Φ⁻¹(auc)}; ±∞ at AUC 1 / 0, NaN for NaN. */
    public static double dPrime(double auc) {
        return Math.sqrt(2.0) * normalQuantile(auc);
    }

    private static final double[] A = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    private static final double[] B = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01};
    private static final double[] C = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    private static final double[] D = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
        3.754408661907416e+00};
    private static final double P_LOW = 0.02425;
    private static final double SQRT_2PI = Math.sqrt(2 * Math.PI);

    /**
     * Φ⁻¹(p), the standard normal quantile ({@code scipy.stats.norm.ppf}): Acklam's rational approximation
     * (relative error ≤ 1.2e-9) refined by one Halley step on {@code Φ(x) − p}, with Φ from commons-math's erfc; the
     * result is within 1e-9 of SciPy on the tested range (1e-300 … 1 − 1e-10). commons-math's own
     * {@code NormalDistribution.inverseCumulativeProbability} goes through {@code erfInv(2p − 1)}, which cancels to ±∞
     * below p ≈ 1e-17, so the quantile stays ours (AST's d′ reaches those tails for near-perfect classes).
     * {@code p = 0 → −∞}, {@code p = 1 → +∞}, p outside [0, 1] or NaN → NaN.
     */
    public static double normalQuantile(double p) {
        if (Double.isNaN(p) || p < 0 || p > 1) return Double.NaN;
        if (p == 0) return Double.NEGATIVE_INFINITY;
        if (p == 1) return Double.POSITIVE_INFINITY;
        double x = acklam(p);
        if (Double.isInfinite(x)) return x;
        // Φ(x) − p, written so that neither tail loses its relative precision
        double e = x < 0 ? 0.5 * erfc(-x / Math.sqrt(2)) - p : (1 - p) - 0.5 * erfc(x / Math.sqrt(2));
        double pdf = Math.exp(-0.5 * x * x) / SQRT_2PI;
        if (pdf == 0) return x;
        double u = e / pdf;
        return x - u / (1 + 0.5 * x * u);
    }

    /** Acklam's approximation alone (relative error ≤ 1.15e-9); package-private for the tests. */
    static double acklam(double p) {
        if (p < P_LOW) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
                    / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
        }
        if (p <= 1 - P_LOW) {
            double q = p - 0.5;
            double r = q * q;
            return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
                    / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
        }
        double q = Math.sqrt(-2 * Math.log1p(-p));
        return -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
                / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }

    /** Φ(x), the standard normal CDF ({@code scipy.stats.norm.cdf}), accurate in both tails. */
    public static double normalCdf(double x) {
        if (Double.isNaN(x)) return Double.NaN;
        return x < 0 ? 0.5 * erfc(-x / Math.sqrt(2)) : 1 - 0.5 * erfc(x / Math.sqrt(2));
    }

    /**
     * Complementary error function: commons-math's {@code Erf.erfc} (the regularized incomplete gamma function
     * {@code Q(1/2, z²)}), accurate in the upper tail where {@code 1 − erf} would cancel.
     */
    static double erfc(double z) {
        return org.apache.commons.math3.special.Erf.erfc(z);
    }

    // ------------------------------------------------------------------------------------------- helpers

    /**
     * Indices sorted by score, ascending, packed as {@code (orderable score bits << 32) | index}; walking the array
     * from the end visits scores in decreasing order with equal scores adjacent.
     */
    private static long[] descendingOrder(float[] score, boolean[] target) {
        if (score == null || target == null) throw new InvalidInputException("scores", "missing");
        if (score.length != target.length) {
            throw new InvalidInputException("targets", "have " + target.length + " entries but there are "
                    + score.length + " scores");
        }
        if (score.length == 0) throw new InvalidInputException("scores", "no examples");
        long[] keys = new long[score.length];
        for (int i = 0; i < score.length; i++) {
            float s = score[i];
            if (Float.isNaN(s)) throw new InvalidInputException("scores", "example " + i + " has a NaN score");
            if (s == 0f) s = 0f; // -0.0 ties with 0.0
            int bits = Float.floatToIntBits(s);
            int orderable = bits ^ ((bits >> 31) & 0x7fffffff);
            keys[i] = ((long) orderable << 32) | (i & 0xffffffffL);
        }
        Arrays.sort(keys);
        return keys;
    }

    private static float scoreOf(long key) {
        int orderable = (int) (key >> 32);
        int bits = orderable ^ ((orderable >> 31) & 0x7fffffff);
        return Float.intBitsToFloat(bits);
    }

    private static int indexOf(long key) {
        return (int) key;
    }

    private static int count(boolean[] b) {
        int n = 0;
        for (boolean v : b) if (v) n++;
        return n;
    }

    /** Validates a score matrix and returns its number of classes. */
    static int checkScores(float[][] scores) {
        if (scores == null || scores.length == 0) throw new InvalidInputException("scores", "no examples");
        int c = scores[0] == null ? 0 : scores[0].length;
        if (c == 0) throw new InvalidInputException("scores", "no classes");
        for (int i = 0; i < scores.length; i++) {
            float[] row = scores[i];
            if (row == null || row.length != c) {
                throw new InvalidInputException("scores", "row " + i + " has " + (row == null ? 0 : row.length)
                        + " classes, expected " + c);
            }
            for (int j = 0; j < c; j++) {
                if (Float.isNaN(row[j])) {
                    throw new InvalidInputException("scores", "example " + i + " class " + j + " is NaN");
                }
            }
        }
        return c;
    }

    static void checkLabels(int[] labels, int n, int c) {
        if (labels == null || labels.length != n) {
            throw new InvalidInputException("labels", "have " + (labels == null ? 0 : labels.length)
                    + " entries but there are " + n + " examples");
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= c) {
                throw new InvalidInputException("labels", "example " + i + " has class " + labels[i]
                        + ", outside 0.." + (c - 1));
            }
        }
    }

    static void checkTargets(boolean[][] targets, int n, int c) {
        if (targets == null || targets.length != n) {
            throw new InvalidInputException("targets", "have " + (targets == null ? 0 : targets.length)
                    + " rows but there are " + n + " examples");
        }
        for (int i = 0; i < n; i++) {
            if (targets[i] == null || targets[i].length != c) {
                throw new InvalidInputException("targets", "row " + i + " has "
                        + (targets[i] == null ? 0 : targets[i].length) + " classes, expected " + c);
            }
        }
    }
}
