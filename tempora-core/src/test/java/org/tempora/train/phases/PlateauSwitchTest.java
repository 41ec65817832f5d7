package org.tempora.train.phases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;
import org.tempora.config.Choices;
import org.tempora.config.ExperimentConfig;
import org.tempora.train.phases.PlateauSwitch.Decision;

class PlateauSwitchTest {

    @Test
    void switchesAfterPatienceEpochsWithoutImprovement() {
        PlateauSwitch s = new PlateauSwitch(2, 0.0, 10);
        assertThat(s.observe(0.50)).isEqualTo(Decision.CONTINUE);
        assertThat(s.observe(0.60)).isEqualTo(Decision.CONTINUE);
        assertThat(s.observe(0.60)).isEqualTo(Decision.CONTINUE); // equal is not better
        assertThat(s.sinceImprovement()).isEqualTo(1);
        assertThat(s.observe(0.59)).isEqualTo(Decision.PLATEAU);
        assertThat(s.best()).isEqualTo(0.60);
        assertThat(s.bestEpoch()).isEqualTo(2);
        assertThat(PlateauSwitch.switchEpoch(new double[] {0.50, 0.60, 0.60, 0.59, 0.70}, 2, 0.0, 10)).isEqualTo(4);
    }

    @Test
    void minDeltaIsMeasuredFromTheBestSoFar() {
        // +0.02 and +0.03 over the best 0.50 are both below min_delta 0.05: two epochs without improvement
        assertThat(PlateauSwitch.switchEpoch(new double[] {0.50, 0.52, 0.53, 0.60}, 2, 0.05, 10)).isEqualTo(3);
        // with min_delta 0 they are improvements and the phase runs on
        assertThat(PlateauSwitch.switchEpoch(new double[] {0.50, 0.52, 0.53, 0.60}, 2, 0.0, 10)).isEqualTo(4);
        // a jump of at least min_delta resets the count
        assertThat(PlateauSwitch.switchEpoch(new double[] {0.50, 0.51, 0.56, 0.57, 0.58}, 2, 0.05, 10)).isEqualTo(5);
    }

    @Test
    void neverRunsBeyondTheBudget() {
        PlateauSwitch s = new PlateauSwitch(3, 0.0, 3);
        assertThat(s.observe(0.1)).isEqualTo(Decision.CONTINUE);
        assertThat(s.observe(0.2)).isEqualTo(Decision.CONTINUE);
        assertThat(s.observe(0.3)).isEqualTo(Decision.BUDGET);
        assertThatThrownBy(() -> s.observe(0.4)).isInstanceOf(IllegalStateException.class);
        assertThat(new PlateauSwitch(1, 0, 1).observe(0.5)).isEqualTo(Decision.BUDGET);
    }

    @Test
    void nanIsNeverAnImprovement() {
        assertThat(PlateauSwitch.switchEpoch(new double[] {0.4, Double.NaN, Double.NaN, 0.9}, 2, 0, 10)).isEqualTo(3);
        // a NaN first epoch leaves no best: the first finite value improves
        assertThat(PlateauSwitch.switchEpoch(new double[] {Double.NaN, 0.3, 0.3, 0.3}, 2, 0, 10)).isEqualTo(4);
    }

    @Test
    void invalidSettingsAreConfigErrors() {
        assertThatThrownBy(() -> new PlateauSwitch(0, 0, 5)).isInstanceOf(ConfigException.class).hasMessageContaining("phase_patience");
        assertThatThrownBy(() -> new PlateauSwitch(2, -0.1, 5)).isInstanceOf(ConfigException.class).hasMessageContaining("phase_min_delta");
        assertThatThrownBy(() -> new PlateauSwitch(2, Double.NaN, 5)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> new PlateauSwitch(2, 0, 0)).isInstanceOf(ConfigException.class).hasMessageContaining("budget");
    }

    @Test
    void phaseControlFromConfig() {
        PhaseControl fixed = PhaseControl.of(ExperimentConfig.Train.DEFAULTS);
        PhaseSchedule s = PhaseSchedule.parse("fshift 4->1 @5", 20);
        assertThat(fixed.switchFor(s.phase(0))).isNull();
        assertThat(fixed.stopFinal(1.0)).isFalse();
        PhaseControl plateau = PhaseControl.of(train("train.phase_switch=plateau", "train.phase_patience=1"));
        PlateauSwitch sw = plateau.switchFor(s.phase(0));
        assertThat(sw.observe(0.5)).isEqualTo(Decision.CONTINUE);
        assertThat(sw.observe(0.4)).isEqualTo(Decision.PLATEAU);
        assertThat(plateau.switchFor(s.phase(1))).as("the final phase has no plateau switch").isNull();
        assertThatThrownBy(() -> PhaseControl.of(train("train.stop_rule=surpass"))).isInstanceOf(ConfigException.class).hasMessageContaining("baseline_metric");
        PhaseControl stop = PhaseControl.of(train("train.stop_rule=surpass", "train.baseline_metric=0.8"));
        assertThat(stop.stopFinal(0.8)).isFalse();
        assertThat(stop.stopFinal(0.81)).isTrue();
        assertThatThrownBy(() -> Choices.parse(Choices.PhaseSwitch.class, "auto")).isInstanceOf(ConfigException.class)
                .hasMessage("'auto' (expected fixed, plateau)");
    }

    private static ExperimentConfig.Train train(String... overrides) {
        return org.tempora.config.ConfigLoader.load(null, null, List.of(overrides)).train();
    }

    /** Against a brute-force oracle (min_delta 0): switch at the first epoch r whose last `patience` metrics do not beat the earlier maximum. */
    @Property(tries = 300)
    void matchesTheRunningMaximumRule(@ForAll @Size(min = 1, max = 15) List<@IntRange(min = 0, max = 6) Integer> values,
                                      @ForAll @IntRange(min = 1, max = 4) int patience, @ForAll @IntRange(min = 1, max = 15) int budget) {
        double[] m = values.stream().mapToDouble(v -> v / 10.0).toArray();
        int expected = Math.min(budget, m.length);
        for (int r = patience + 1; r <= Math.min(budget, m.length); r++) {
            double before = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < r - patience; i++) before = Math.max(before, m[i]);
            double recent = Double.NEGATIVE_INFINITY;
            for (int i = r - patience; i < r; i++) recent = Math.max(recent, m[i]);
            if (recent <= before) {
                expected = r;
                break;
            }
        }
        assertThat(PlateauSwitch.switchEpoch(m, patience, 0.0, budget)).isEqualTo(expected);
    }

    @Property(tries = 200)
    void switchesNoLaterThanTheBudget(@ForAll @Size(min = 1, max = 30) List<@DoubleRange(min = 0, max = 1) Double> values,
                                      @ForAll @IntRange(min = 1, max = 5) int patience, @ForAll @DoubleRange(min = 0, max = 0.2) double minDelta,
                                      @ForAll @IntRange(min = 1, max = 30) int budget) {
        double[] m = values.stream().mapToDouble(Double::doubleValue).toArray();
        int e = PlateauSwitch.switchEpoch(m, patience, minDelta, budget);
        assertThat(e).isBetween(1, Math.min(budget, m.length));
        if (e < Math.min(budget, m.length)) assertThat(e).isGreaterThan(patience);
    }
}
