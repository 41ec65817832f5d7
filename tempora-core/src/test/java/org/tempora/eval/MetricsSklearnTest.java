package org.tempora.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.tempora.testing.Fixtures;

/** Metrics against scikit-learn 1.2.1 / SciPy 1.10.1 values from tools/gen_metric_fixtures.py, to 1e-9. */
class MetricsSklearnTest {
    private static final double TOL = 1e-9;
    private static final JsonNode DOC = Fixtures.json(Fixtures.dir("metrics").resolve("sklearn_cases.json"));

    static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }

    static float[][] floats2(JsonNode a) {
        float[][] out = new float[a.size()][];
        for (int i = 0; i < out.length; i++) out[i] = floats(a.get(i));
        return out;
    }

    static boolean[] bools(JsonNode a) {
        boolean[] out = new boolean[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).isBoolean() ? a.get(i).asBoolean() : a.get(i).asInt() != 0;
        return out;
    }

    static boolean[][] bools2(JsonNode a) {
        boolean[][] out = new boolean[a.size()][];
        for (int i = 0; i < out.length; i++) out[i] = bools(a.get(i));
        return out;
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    /** A stored value, null → NaN. */
    static double num(JsonNode v) {
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }

    static void close(double actual, double expected, String what) {
        if (Double.isNaN(expected)) assertThat(actual).as(what).isNaN();
        else assertThat(actual).as(what).isCloseTo(expected, within(TOL));
    }

    @TestFactory
    List<DynamicTest> binaryApAndAuc() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : DOC.get("binary")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                float[] s = floats(c.get("score"));
                boolean[] t = bools(c.get("target"));
                close(Metrics.averagePrecision(s, t), num(c.get("ap")), "AP");
                close(Metrics.rocAuc(s, t), num(c.get("auc")), "AUC");
            }));
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(10);
        return tests;
    }

    @TestFactory
    List<DynamicTest> multiLabel() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : DOC.get("multilabel")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                float[][] s = floats2(c.get("scores"));
                boolean[][] t = bools2(c.get("targets"));
                Metrics.ClassMean ap = Metrics.meanAveragePrecision(s, t);
                Metrics.ClassMean auc = Metrics.meanAuc(s, t);
                for (int k = 0; k < ap.perClass().length; k++) {
                    close(ap.perClass()[k], num(c.get("ap").get(k)), "AP class " + k);
                    close(auc.perClass()[k], num(c.get("auc").get(k)), "AUC class " + k);
                }
                close(ap.mean(), c.get("mAP").asDouble(), "mAP");
                assertThat(ap.skipped()).isEqualTo(c.get("ap_skipped").asInt());
                close(auc.mean(), c.get("mAUC").asDouble(), "mAUC");
                assertThat(auc.skipped()).isEqualTo(c.get("auc_skipped").asInt());
                close(Metrics.dPrime(auc.mean()), c.get("d_prime").asDouble(), "d'");

                EvalResult r = EvalResult.multiLabel(s, t);
                assertThat(r.asMap()).containsEntry("ap_classes_skipped", (double) ap.skipped());
                close(r.asMap().get("mAP"), c.get("mAP").asDouble(), "asMap mAP");
                close(r.asMap().get("d_prime"), c.get("d_prime").asDouble(), "asMap d'");
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> singleLabel() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : DOC.get("singlelabel")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                float[][] s = floats2(c.get("scores"));
                int[] y = ints(c.get("labels"));
                int classes = c.get("classes").asInt();
                c.get("topk_sklearn").fields().forEachRemaining(e -> close(
                        Metrics.topK(s, y, Integer.parseInt(e.getKey()), Metrics.TieRule.SKLEARN),
                        e.getValue().asDouble(), "sklearn top-" + e.getKey()));
                c.get("topk_index_order").fields().forEachRemaining(e -> close(
                        Metrics.topK(s, y, Integer.parseInt(e.getKey())), e.getValue().asDouble(),
                        "index-order top-" + e.getKey()));
                close(Metrics.topK(s, y, 1), c.get("accuracy").asDouble(), "top-1 = sklearn accuracy of argmax");

                int[][] m = Metrics.confusionMatrix(s, y, classes);
                JsonNode em = c.get("confusion");
                for (int i = 0; i < classes; i++) assertThat(m[i]).as("confusion row " + i).containsExactly(ints(em.get(i)));

                ClassReport r = Metrics.classReport(s, y, classes);
                for (int k = 0; k < classes; k++) {
                    close(r.precision()[k], c.get("precision").get(k).asDouble(), "precision " + k);
                    close(r.recall()[k], c.get("recall").get(k).asDouble(), "recall " + k);
                    close(r.f1()[k], c.get("f1").get(k).asDouble(), "f1 " + k);
                    assertThat(r.support()[k]).isEqualTo(c.get("support").get(k).asInt());
                }
                for (String avg : List.of("macro", "weighted")) {
                    ClassReport.Average a = avg.equals("macro") ? r.macro() : r.weighted();
                    close(a.precision(), c.get(avg).get("precision").asDouble(), avg + " precision");
                    close(a.recall(), c.get(avg).get("recall").asDouble(), avg + " recall");
                    close(a.f1(), c.get(avg).get("f1").asDouble(), avg + " f1");
                }
                EvalResult e = EvalResult.singleLabel(s, y, classes);
                close(e.macroF1(), c.get("macro").get("f1").asDouble(), "EvalResult macro F1");
                close(e.asMap().get("top1"), c.get("accuracy").asDouble(), "asMap top1");
            }));
        }
        return tests;
    }

    @Test
    void normalQuantileMatchesScipy() {
        int n = 0;
        for (JsonNode c : DOC.get("ppf")) {
            double p = c.get("p").asDouble();
            assertThat(Metrics.normalQuantile(p)).as("ppf(%s)", p).isCloseTo(c.get("x").asDouble(), within(1e-9));
            n++;
        }
        assertThat(n).isGreaterThan(40);
    }

    @Test
    void acklamAloneIsWithinItsPublishedErrorSoTheCoefficientsAreRight() {
        for (JsonNode c : DOC.get("ppf")) {
            double x = c.get("x").asDouble();
            double rel = Math.abs(Metrics.acklam(c.get("p").asDouble()) - x) / Math.max(Math.abs(x), 1e-3);
            assertThat(rel).as("p=%s", c.get("p").asDouble()).isLessThan(1.2e-9);
        }
    }

    @Test
    void normalCdfMatchesScipyRelatively() {
        for (JsonNode c : DOC.get("cdf")) {
            double expected = c.get("p").asDouble();
            double actual = Metrics.normalCdf(c.get("x").asDouble());
            assertThat(Math.abs(actual - expected)).as("cdf(%s)", c.get("x").asDouble())
                    .isLessThanOrEqualTo(1e-13 * expected + 1e-300);
        }
    }
}
