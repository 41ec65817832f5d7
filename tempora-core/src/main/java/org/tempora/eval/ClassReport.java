package org.tempora.eval;

import org.tempora.InvalidInputException;

/**
 * Per-class precision, recall, F1 and support of single-label predictions, with macro and weighted averages —
 * {@code sklearn.metrics.precision_recall_fscore_support(y, pred, zero_division=0)}.
 *
 * <ul>
 *   <li>{@code precision_c = TP_c / predicted_c}, 0 when the class is never predicted;</li>
 *   <li>{@code recall_c = TP_c / support_c}, 0 when the class never occurs;</li>
 *   <li>{@code F1_c = 2 P R / (P + R)}, 0 when {@code P + R = 0};</li>
 *   <li>macro = unweighted mean over the <em>active</em> classes — those that occur in the labels or in the
 *       predictions (sklearn's default label set); a class that is neither present nor predicted is left out;</li>
 *   <li>weighted = mean weighted by support.</li>
 * </ul>
 * Arrays are indexed by class and not copied.
 */
public record ClassReport(double[] precision, double[] recall, double[] f1, int[] support, int[] predicted,
                          Average macro, Average weighted) {

    /** An averaged precision/recall/F1 triple (F1 here is the mean of the per-class F1s, as in sklearn). */
    public record Average(double precision, double recall, double f1) {}

    public int numClasses() {
        return support.length;
    }

    /** Builds the report from a confusion matrix {@code m[true][predicted]}. */
    public static ClassReport of(int[][] m) {
        if (m == null || m.length == 0) throw new InvalidInputException("confusion matrix", "is empty");
        int c = m.length;
        int[] support = new int[c];
        int[] predicted = new int[c];
        for (int i = 0; i < c; i++) {
            if (m[i] == null || m[i].length != c) {
                throw new InvalidInputException("confusion matrix", "row " + i + " does not have " + c + " columns");
            }
            for (int j = 0; j < c; j++) {
                if (m[i][j] < 0) throw new InvalidInputException("confusion matrix", "has a negative count");
                support[i] += m[i][j];
                predicted[j] += m[i][j];
            }
        }
        double[] p = new double[c];
        double[] r = new double[c];
        double[] f = new double[c];
        double mp = 0, mr = 0, mf = 0, wp = 0, wr = 0, wf = 0;
        int active = 0;
        long total = 0;
        for (int k = 0; k < c; k++) {
            int tp = m[k][k];
            p[k] = predicted[k] == 0 ? 0 : (double) tp / predicted[k];
            r[k] = support[k] == 0 ? 0 : (double) tp / support[k];
            f[k] = p[k] + r[k] == 0 ? 0 : 2 * p[k] * r[k] / (p[k] + r[k]);
            if (support[k] > 0 || predicted[k] > 0) {
                active++;
                mp += p[k];
                mr += r[k];
                mf += f[k];
            }
            wp += support[k] * p[k];
            wr += support[k] * r[k];
            wf += support[k] * f[k];
            total += support[k];
        }
        Average macro = active == 0 ? new Average(Double.NaN, Double.NaN, Double.NaN)
                : new Average(mp / active, mr / active, mf / active);
        Average weighted = total == 0 ? new Average(Double.NaN, Double.NaN, Double.NaN)
                : new Average(wp / total, wr / total, wf / total);
        return new ClassReport(p, r, f, support, predicted, macro, weighted);
    }
}
