package org.tempora.train.phases;

import org.tempora.ConfigException;
import org.tempora.config.Choices;
import org.tempora.config.ExperimentConfig;

/**
 * When phases end, from {@code train.phase_switch}, {@code phase_patience}, {@code phase_min_delta},
 * {@code stop_rule} and {@code baseline_metric}: initial phases end after their planned epochs ({@code fixed}) or
 * on a validation plateau ({@link PlateauSwitch}, capped by the planned epochs); the final phase runs its budget or
 * stops at the first epoch that surpasses the baseline (the paper's rule 1).
 */
public record PhaseControl(boolean plateau, int patience, double minDelta, boolean stopOnSurpass, Double baselineMetric) {

    public PhaseControl {
        if (plateau) new PlateauSwitch(patience, minDelta, 1); // validates patience and min_delta
        if (stopOnSurpass && (baselineMetric == null || !Double.isFinite(baselineMetric))) {
            throw new ConfigException("train.stop_rule surpass needs train.baseline_metric (the baseline's best validation metric)");
        }
    }

    /** Reads and validates the train section's switching keys. */
    public static PhaseControl of(ExperimentConfig.Train t) {
        if (t.phaseSwitch() == null) throw new ConfigException("train.phase_switch is not set (fixed, plateau)");
        if (t.stopRule() == null) throw new ConfigException("train.stop_rule is not set (budget, surpass)");
        boolean plateau = t.phaseSwitch() == Choices.PhaseSwitch.PLATEAU;
        boolean surpass = t.stopRule() == Choices.StopRule.SURPASS;
        return new PhaseControl(plateau, t.phasePatience(), t.phaseMinDelta(), surpass, t.baselineMetric());
    }

    /** A fresh plateau switch for an initial phase (budget = its planned epochs); null for fixed switching or the final phase. */
    public PlateauSwitch switchFor(PhaseSchedule.Phase phase) {
        if (!plateau || phase.isFullResolution()) return null;
        return new PlateauSwitch(patience, minDelta, phase.epochs());
    }

    /** Whether the final phase stops after an epoch with this validation metric. */
    public boolean stopFinal(double metric) {
        return stopOnSurpass && metric > baselineMetric;
    }
}
