package org.tempora.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.InvalidInputException;

/**
 * What an evaluation run reports. Single-label runs fill top-1, top-5, the confusion matrix and the per-class
 * precision/recall/F1 report; multi-label runs fill mAP, mean AUC, d′ and the per-class AP/AUC. Fields that do not
 * apply are NaN (numbers) or null (arrays, report). Arrays are not copied.
 *
 * <p>{@code top5} is NaN when there are 5 classes or fewer (it would trivially be 1). {@code dPrime} is computed from
 * the mean AUC, as AST does.
 */
public record EvalResult(Task task, int examples, int classes,
                         double top1, double top5, int[][] confusion, ClassReport classReport,
                         double mAP, double mAUC, double dPrime, double[] classAp, double[] classAuc,
                         int[] positives, int apSkipped, int aucSkipped) {

    public enum Task { SINGLE_LABEL, MULTI_LABEL }

    /** Evaluates single-label scores: top-1/top-5 ({@link Metrics.TieRule#INDEX_ORDER}), confusion, per-class. */
    public static EvalResult singleLabel(float[][] scores, int[] labels, int numClasses) {
        int[][] confusion = Metrics.confusionMatrix(scores, labels, numClasses);
        double top1 = Metrics.topK(scores, labels, 1);
        double top5 = numClasses > 5 ? Metrics.topK(scores, labels, 5) : Double.NaN;
        return new EvalResult(Task.SINGLE_LABEL, scores.length, numClasses, top1, top5, confusion,
                ClassReport.of(confusion), Double.NaN, Double.NaN, Double.NaN, null, null, null, 0, 0);
    }

    /** Evaluates multi-label scores: mAP and mean AUC over the defined classes, d′ of the mean AUC. */
    public static EvalResult multiLabel(float[][] scores, boolean[][] targets) {
        Metrics.ClassMean ap = Metrics.meanAveragePrecision(scores, targets);
        Metrics.ClassMean auc = Metrics.meanAuc(scores, targets);
        return new EvalResult(Task.MULTI_LABEL, scores.length, scores[0].length, Double.NaN, Double.NaN, null, null,
                ap.mean(), auc.mean(), Metrics.dPrime(auc.mean()), ap.perClass(), auc.perClass(),
                Metrics.positives(targets), ap.skipped(), auc.skipped());
    }

    /** Macro-averaged F1 (single-label), NaN otherwise. */
    public double macroF1() {
        return classReport == null ? Double.NaN : classReport.macro().f1();
    }

    /**
     * The headline numbers as an ordered map for tables and JSON. Keys: {@code examples}, {@code classes}, then
     * single-label {@code top1}, {@code top5} (only with more than 5 classes), {@code macro_precision},
     * {@code macro_recall}, {@code macro_f1}, {@code weighted_f1}; multi-label {@code mAP}, {@code mAUC},
     * {@code d_prime}, {@code ap_classes_skipped}, {@code auc_classes_skipped}.
     */
    public Map<String, Double> asMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("examples", (double) examples);
        m.put("classes", (double) classes);
        if (task == Task.SINGLE_LABEL) {
            m.put("top1", top1);
            if (!Double.isNaN(top5)) m.put("top5", top5);
            m.put("macro_precision", classReport.macro().precision());
            m.put("macro_recall", classReport.macro().recall());
            m.put("macro_f1", classReport.macro().f1());
            m.put("weighted_f1", classReport.weighted().f1());
        } else {
            m.put("mAP", mAP);
            m.put("mAUC", mAUC);
            m.put("d_prime", dPrime);
            m.put("ap_classes_skipped", (double) apSkipped);
            m.put("auc_classes_skipped", (double) aucSkipped);
        }
        return m;
    }

    /**
     * One row per class for reports: {@code class}, then {@code precision, recall, f1, support} (single-label) or
     * {@code ap, auc, positives} (multi-label; NaN where undefined). {@code classNames} may be null (indices are
     * used) or must have one name per class.
     */
    public List<Map<String, Object>> perClassRows(List<String> classNames) {
        if (classNames != null && classNames.size() != classes) {
            throw new InvalidInputException("class names", "has " + classNames.size() + " names for " + classes
                    + " classes");
        }
        List<Map<String, Object>> rows = new ArrayList<>(classes);
        for (int k = 0; k < classes; k++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("class", classNames == null ? String.valueOf(k) : classNames.get(k));
            if (task == Task.SINGLE_LABEL) {
                row.put("precision", classReport.precision()[k]);
                row.put("recall", classReport.recall()[k]);
                row.put("f1", classReport.f1()[k]);
                row.put("support", classReport.support()[k]);
            } else {
                row.put("ap", classAp[k]);
                row.put("auc", classAuc[k]);
                row.put("positives", positives[k]);
            }
            rows.add(row);
        }
        return rows;
    }
}
