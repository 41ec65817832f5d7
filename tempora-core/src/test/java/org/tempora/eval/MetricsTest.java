package org.tempora.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;

/** Hand-computed values, tie rules and input errors. */
class MetricsTest {
    private static final boolean T = true, F = false;

    @Test
    void averagePrecisionByHand() {
        // thresholds 0.9: P=1, R=.5 → .5 ; 0.8: R unchanged ; 0.7: P=2/3, R=1 → +.5·2/3
        assertThat(Metrics.averagePrecision(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, new boolean[] {T, F, T, F}))
                .isCloseTo(0.5 + 1.0 / 3, within(1e-15));
        // tie at 0.5 between a positive and a negative enters as one threshold: P=.5, R=.5 → .25; then P=2/3, R=1
        assertThat(Metrics.averagePrecision(new float[] {0.5f, 0.5f, 0.1f}, new boolean[] {T, F, T}))
                .isCloseTo(0.25 + 1.0 / 3, within(1e-15));
        assertThat(Metrics.averagePrecision(new float[] {0.1f, 0.2f}, new boolean[] {F, F})).isNaN();
    }

    @Test
    void rocAucByHandWithTiesCountingHalf() {
        // positives 0.5, 0.1; negative 0.5: (0.5 vs 0.5) = ½, (0.1 vs 0.5) = 0 → 0.25
        assertThat(Metrics.rocAuc(new float[] {0.5f, 0.5f, 0.1f}, new boolean[] {T, F, T})).isEqualTo(0.25);
        assertThat(Metrics.rocAuc(new float[] {3f, 2f, 1f, 0f}, new boolean[] {T, T, F, F})).isEqualTo(1.0);
        assertThat(Metrics.rocAuc(new float[] {3f, 2f, 1f, 0f}, new boolean[] {F, T, F, T})).isEqualTo(0.25);
        assertThat(Metrics.rocAuc(new float[] {-0.0f, 0.0f}, new boolean[] {T, F})).as("-0 ties with 0").isEqualTo(0.5);
        assertThat(Metrics.rocAuc(new float[] {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}, new boolean[] {F, T}))
                .isEqualTo(1.0);
        assertThat(Metrics.rocAuc(new float[] {1f, 2f}, new boolean[] {T, T})).isNaN();
    }

    @Test
    void topKTieRules() {
        float[][] s = {{1f, 1f, 0f}, {1f, 1f, 0f}, {0f, 2f, 2f}};
        int[] y = {0, 1, 2};
        // INDEX_ORDER: lower index first → example 0 correct, 1 not, 2 not (class 1 ties before 2)
        assertThat(Metrics.topK(s, y, 1)).isEqualTo(1.0 / 3);
        // SKLEARN: higher index first → 0 wrong, 1 right, 2 right
        assertThat(Metrics.topK(s, y, 1, Metrics.TieRule.SKLEARN)).isEqualTo(2.0 / 3);
        assertThat(Metrics.topK(s, y, 1, Metrics.TieRule.PESSIMISTIC)).isEqualTo(0.0);
        assertThat(Metrics.topK(s, y, 2, Metrics.TieRule.PESSIMISTIC)).isEqualTo(1.0);
        assertThat(Metrics.topK(s, y, 7)).isEqualTo(1.0);
        assertThat(Metrics.argmax(s)).containsExactly(0, 0, 1);
    }

    @Test
    void confusionAndReportByHand() {
        float[][] s = {{2, 1, 0}, {0, 3, 1}, {0, 3, 1}, {1, 0, 0}, {0, 0, 5}};
        int[] y = {0, 1, 2, 2, 2};
        int[][] m = Metrics.confusionMatrix(s, y, 3);
        assertThat(m).isDeepEqualTo(new int[][] {{1, 0, 0}, {0, 1, 0}, {1, 1, 1}});
        ClassReport r = ClassReport.of(m);
        assertThat(r.precision()).containsExactly(0.5, 0.5, 1.0);
        assertThat(r.recall()).containsExactly(1.0, 1.0, 1.0 / 3);
        assertThat(r.f1()[0]).isCloseTo(2.0 / 3, within(1e-15));
        assertThat(r.f1()[2]).isCloseTo(0.5, within(1e-15));
        assertThat(r.support()).containsExactly(1, 1, 3);
        assertThat(r.macro().f1()).isCloseTo((2.0 / 3 + 2.0 / 3 + 0.5) / 3, within(1e-15));
        assertThat(r.weighted().recall()).isCloseTo(3.0 / 5, within(1e-15));
    }

    @Test
    void macroAverageLeavesOutClassesNeitherPresentNorPredicted() {
        ClassReport r = ClassReport.of(new int[][] {{2, 0, 0}, {1, 1, 0}, {0, 0, 0}});
        // classes 0, 1 active: F1_0 = 2·(2/3)·1/(2/3+1) = 0.8, F1_1 = 2·1·0.5/1.5 = 2/3
        assertThat(r.macro().f1()).isCloseTo((0.8 + 2.0 / 3) / 2, within(1e-15));
        assertThat(r.f1()[2]).isZero();
    }

    @Test
    void dPrimeAndQuantileAnchors() {
        assertThat(Metrics.dPrime(0.5)).isZero();
        assertThat(Metrics.dPrime(Metrics.normalCdf(1.0))).isCloseTo(Math.sqrt(2), within(1e-12));
        assertThat(Metrics.normalQuantile(0.975)).isCloseTo(1.959963984540054, within(1e-13));
        assertThat(Metrics.dPrime(1.0)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Metrics.dPrime(0.0)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(Metrics.dPrime(Double.NaN)).isNaN();
        assertThat(Metrics.normalQuantile(1.5)).isNaN();
        // p near 1 carries only ~1e-16 absolute precision, so the round trip is checked where p resolves x
        for (double x = -30; x <= 3; x += 0.37) {
            double p = Metrics.normalCdf(x);
            assertThat(Metrics.normalQuantile(p)).as("round trip at %s", x).isCloseTo(x, within(1e-10 * Math.max(1, Math.abs(x))));
        }
    }

    @Test
    void evalResultMapsAndRows() {
        float[][] s = {{2, 1, 0}, {0, 3, 1}, {0, 3, 1}, {1, 0, 0}, {0, 0, 5}};
        EvalResult r = EvalResult.singleLabel(s, new int[] {0, 1, 2, 2, 2}, 3);
        Map<String, Double> m = r.asMap();
        assertThat(m).containsEntry("top1", 0.6).containsEntry("examples", 5.0).doesNotContainKey("top5")
                .doesNotContainKey("mAP");
        assertThat(m.get("macro_f1")).isCloseTo((2.0 / 3 + 2.0 / 3 + 0.5) / 3, within(1e-15));
        List<Map<String, Object>> rows = r.perClassRows(List.of("a", "b", "c"));
        assertThat(rows.get(2)).containsEntry("class", "c").containsEntry("support", 3).containsEntry("precision", 1.0);

        EvalResult ml = EvalResult.multiLabel(new float[][] {{0.9f, 0.1f}, {0.2f, 0.3f}, {0.4f, 0.2f}},
                new boolean[][] {{T, F}, {F, F}, {T, F}});
        assertThat(ml.asMap()).containsEntry("mAP", 1.0).containsEntry("mAUC", 1.0)
                .containsEntry("ap_classes_skipped", 1.0).containsEntry("d_prime", Double.POSITIVE_INFINITY);
        assertThat(ml.perClassRows(null).get(1)).containsEntry("class", "1").containsEntry("positives", 0);
        assertThat((Double) ml.perClassRows(null).get(1).get("ap")).isNaN();
    }

    @Test
    void badInputsAreTypedErrors() {
        float[][] s = {{1, 2}, {3, 4}};
        assertThatThrownBy(() -> Metrics.topK(s, new int[] {0}, 1)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("labels");
        assertThatThrownBy(() -> Metrics.topK(s, new int[] {0, 2}, 1)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("class 2");
        assertThatThrownBy(() -> Metrics.topK(s, new int[] {0, 1}, 0)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> Metrics.topK(new float[][] {{1, Float.NaN}}, new int[] {0}, 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> Metrics.topK(new float[][] {{1, 2}, {1}}, new int[] {0, 0}, 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("row 1");
        assertThatThrownBy(() -> Metrics.averagePrecision(new float[] {1, 2}, new boolean[] {T}))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Metrics.confusionMatrix(s, new int[] {0, 1}, 3)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Metrics.meanAveragePrecision(s, new boolean[][] {{T, F}}))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Metrics.topK(new float[0][], new int[0], 1)).isInstanceOf(InvalidInputException.class);
    }
}
