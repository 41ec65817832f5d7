package org.tempora.train.phases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.train.EpochRecord;

/** The convergence rule ({@code train.stop_rule: plateau}) on known sequences, and as a stop test that survives a resume. */
class ConvergenceRuleTest {

    /** metrics; patience; min_delta; budget; the epoch the rule stops after (0: it does not, the budget or the data ends first). */
    @ParameterizedTest(name = "{0} p={1} d={2} cap={3} -> {4}")
    @CsvSource(delimiter = ';', value = {
            "0.50 0.60 0.60 0.59 0.70; 2; 0.0;   10; 4",   // equal is not better: 0.60, 0.59 are two epochs without improvement
            "0.50 0.60 0.61 0.62 0.63; 2; 0.0;   10; 0",   // still improving
            "0.50 0.501 0.5015 0.9;    2; 0.002; 10; 3",   // +0.001 and +0.0015 over the best 0.50 are below min_delta
            "0.50 0.51 0.515 0.518;    2; 0.01;  10; 4",   // 0.51 improves by 0.01; 0.515 and 0.518 do not beat 0.51 by 0.01
            "0.1 0.2 0.3 0.3 0.3;      2; 0.0;    5; 5",   // the plateau is met at the cap's last epoch: converged
            "0.1 0.2 0.3 0.3 0.3;      3; 0.0;    5; 0",   // patience 3 is not reached within the cap
            "0.3 0.2 0.1;              1; 0.0;   10; 2",
            "NaN NaN 0.4;              2; 0.0;   10; 2",   // NaN is never an improvement: a metric that is NaN for patience epochs stops
            "0.4 NaN NaN 0.9;          2; 0.0;   10; 3",
    })
    void knownSequences(String metrics, int patience, double minDelta, int budget, int expected) {
        double[] m = java.util.Arrays.stream(metrics.trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
        assertThat(PhaseControl.convergedAt(m, patience, minDelta, 0, budget)).isEqualTo(expected);
    }

    /** metrics; patience; stop_min_epochs; cap; the epoch the rule stops after (min_delta 0). */
    @ParameterizedTest(name = "{0} p={1} min={2} cap={3} -> {4}")
    @CsvSource(delimiter = ';', value = {
            "0.5 0.6 0.6 0.6 0.6 0.6 0.6; 2; 0;  10; 4",   // no floor: the plain rule
            "0.5 0.6 0.6 0.6 0.6 0.6 0.6; 2; 4;  10; 4",   // a floor at the epoch the rule is met changes nothing
            "0.5 0.6 0.6 0.6 0.6 0.6 0.6; 2; 6;  10; 6",   // met at 4, acted on at the floor: the count goes on meanwhile
            "0.5 0.6 0.6 0.6 0.7 0.7 0.7 0.7; 2; 5; 10; 7",   // epoch 5 improves at the floor: two more epochs
            "0.5 0.6 0.6 0.6 0.6 0.6 0.6; 2; 20; 10; 0",   // a floor beyond the data (or the cap): never met
            "0.5 0.6 0.6 0.6 0.6;         2; 5;   5; 5",   // the floor at the cap's last epoch: converged there
    })
    void aFloorDelaysTheRule(String metrics, int patience, int minEpochs, int budget, int expected) {
        double[] m = java.util.Arrays.stream(metrics.trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
        assertThat(PhaseControl.convergedAt(m, patience, 0.0, minEpochs, budget)).isEqualTo(expected);
        PhaseControl c = PhaseControl.of(train("train.stop_rule=plateau", "train.stop_patience=" + patience,
                "train.stop_min_delta=0", "train.stop_min_epochs=" + minEpochs));
        int stop = firstStop(c.finalStop(budget, 1, List.of()), java.util.Arrays.copyOf(m, Math.min(m.length, budget)), 0);
        assertThat(stop).isEqualTo(expected == 0 ? Math.min(m.length, budget) : expected);
    }

    @Test
    void theStopTestStopsWhereTheRuleIsMetAndAResumedOneStopsAtTheSameEpoch() {
        PhaseControl c = PhaseControl.of(train("train.stop_rule=plateau", "train.stop_patience=2", "train.stop_min_delta=0.01"));
        double[] m = {0.30, 0.40, 0.405, 0.41, 0.60};
        // uninterrupted: 0.405 and 0.41 do not beat 0.40 by 0.01 -> stop after epoch 4
        assertThat(firstStop(c.finalStop(10, 1, List.of()), m, 0)).isEqualTo(4);
        // resumed after each epoch k: primed with the k epochs done, it stops after the same epoch
        for (int k = 0; k <= 3; k++) {
            List<EpochRecord> done = new ArrayList<>();
            for (int e = 0; e < k; e++) done.add(rec(e + 1, 1, m[e]));
            assertThat(firstStop(c.finalStop(10, 1, done), m, k)).as("resumed after %d epochs", k).isEqualTo(4);
        }
        // only the final phase's epochs count: a coarse phase's plateau does not carry over
        List<EpochRecord> coarse = List.of(rec(1, 1, 0.9), rec(2, 1, 0.9));
        assertThat(firstStop(c.finalStop(10, 2, coarse), m, 0)).isEqualTo(4);
        assertThat(c.converged(List.of(rec(1, 1, 0.3), rec(2, 1, 0.4), rec(3, 1, 0.405), rec(4, 1, 0.41)), 10)).isTrue();
        assertThat(c.converged(List.of(rec(1, 1, 0.3), rec(2, 1, 0.4), rec(3, 1, 0.5)), 3)).isFalse();
    }

    @Test
    void budgetAndSurpassAreUnchanged() {
        assertThat(PhaseControl.of(ExperimentConfig.Train.DEFAULTS).finalStop(10, 1, List.of())).isNull();
        Predicate<EpochRecord> s = PhaseControl.of(train("train.stop_rule=surpass", "train.baseline_metric=0.5")).finalStop(10, 1, List.of());
        assertThat(s.test(rec(1, 1, 0.5))).isFalse();
        assertThat(s.test(rec(2, 1, 0.51))).isTrue();
        assertThat(PhaseControl.of(ExperimentConfig.Train.DEFAULTS).converged(List.of(rec(1, 1, 0.1), rec(2, 1, 0.1), rec(3, 1, 0.1)), 3)).isFalse();
    }

    @Test
    void defaultsAndBadSettings() {
        ExperimentConfig.Train t = train("train.stop_rule=plateau");
        assertThat(t.stopPatience()).isEqualTo(5);
        assertThat(t.stopMinDelta()).isEqualTo(0.002);
        assertThat(t.stopMinEpochs()).isZero();
        assertThatThrownBy(() -> train("train.stop_rule=plateau", "train.stop_min_epochs=-1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad value for 'train.stop_min_epochs': -1 (must be >= 0)");
        assertThatThrownBy(() -> train("train.stop_rule=plateau", "train.stop_patience=0")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad value for 'train.stop_patience': 0 (must be >= 1)");
        assertThatThrownBy(() -> train("train.stop_min_delta=-0.1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("train.stop_min_delta");
    }

    /** Against a brute-force oracle: stop at the first epoch r ≤ cap whose last {@code patience} metrics all stay below the
     *  best before them plus min_delta, where "best" only moves on an improvement of at least min_delta. */
    @Property(tries = 300)
    void matchesABruteForceOracle(@ForAll @Size(min = 1, max = 20) List<@IntRange(min = 0, max = 8) Integer> values,
                                  @ForAll @IntRange(min = 1, max = 4) int patience, @ForAll @IntRange(min = 0, max = 3) int deltaTenths,
                                  @ForAll @IntRange(min = 1, max = 20) int budget, @ForAll @IntRange(min = 0, max = 22) int minEpochs) {
        double[] m = values.stream().mapToDouble(v -> v / 8.0).toArray();   // exact binary fractions: no rounding at the threshold
        double minDelta = deltaTenths / 8.0;
        int expected = 0;
        double best = Double.NEGATIVE_INFINITY;
        int since = 0;
        for (int r = 0; r < Math.min(budget, m.length); r++) {
            if (best == Double.NEGATIVE_INFINITY || (m[r] > best && m[r] - best >= minDelta)) {
                best = m[r];
                since = 0;
            } else {
                since++;
            }
            if (since >= patience && r + 1 >= minEpochs) {
                expected = r + 1;
                break;
            }
        }
        assertThat(PhaseControl.convergedAt(m, patience, minDelta, minEpochs, budget)).isEqualTo(expected);
        if (expected > 0) assertThat(expected).isGreaterThan(patience).isGreaterThanOrEqualTo(minEpochs).isLessThanOrEqualTo(budget);
    }

    @Property(tries = 200)
    void theStopTestAgreesWithTheRuleOverAHistory(@ForAll @Size(min = 2, max = 25) List<@DoubleRange(min = 0, max = 1) Double> values,
                                                 @ForAll @IntRange(min = 1, max = 5) int patience,
                                                 @ForAll @IntRange(min = 0, max = 24) int resumeAfter,
                                                 @ForAll @IntRange(min = 0, max = 26) int minEpochs) {
        double[] m = values.stream().mapToDouble(Double::doubleValue).toArray();
        PhaseControl c = PhaseControl.of(train("train.stop_rule=plateau", "train.stop_patience=" + patience, "train.stop_min_delta=0.01",
                "train.stop_min_epochs=" + minEpochs));
        int cap = m.length;
        int k = Math.min(resumeAfter, m.length - 1);
        List<EpochRecord> done = new ArrayList<>();
        for (int e = 0; e < k; e++) done.add(rec(e + 1, 1, m[e]));
        int uninterrupted = firstStop(c.finalStop(cap, 1, List.of()), m, 0);
        int rule = PhaseControl.convergedAt(m, patience, 0.01, minEpochs, cap);
        // the trainer never asks after the cap's last epoch: a plateau met there ends the run at the cap all the same
        assertThat(uninterrupted).isEqualTo(rule == 0 ? cap : rule);
        // a run resumed after k epochs (it had not stopped yet) stops after the same epoch
        if (k < uninterrupted) assertThat(firstStop(c.finalStop(cap, 1, done), m, k)).isEqualTo(uninterrupted);
    }

    /** As the trainer asks it: after every epoch from {@code from} on but the cap's last; returns the epoch it ends after. */
    private static int firstStop(Predicate<EpochRecord> stop, double[] m, int from) {
        for (int e = from; e < m.length; e++) {
            if (e + 1 < m.length && stop.test(rec(e + 1, 1, m[e]))) return e + 1;
        }
        return m.length;
    }

    private static EpochRecord rec(int epoch, int phase, double metric) {
        return new EpochRecord(epoch, phase, 1, 1, metric, "top1", 1e-3, 1, 1, Map.of());
    }

    private static ExperimentConfig.Train train(String... overrides) {
        return ConfigLoader.load(null, null, List.of(overrides)).train();
    }
}
