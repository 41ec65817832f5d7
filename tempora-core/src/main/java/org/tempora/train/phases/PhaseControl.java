package org.tempora.train.phases;

import java.util.List;
import java.util.function.Predicate;
import org.tempora.ConfigException;
import org.tempora.config.Choices;
import org.tempora.config.ExperimentConfig;
import org.tempora.train.EpochRecord;

/**
 * When phases end, from {@code train.phase_switch}, {@code phase_patience}, {@code phase_min_delta},
 * {@code stop_rule}, {@code stop_patience}, {@code stop_min_delta}, {@code stop_min_epochs} and {@code baseline_metric}:
 * initial phases end after their planned epochs ({@code fixed}) or on a validation plateau ({@link PlateauSwitch},
 * capped by the planned epochs); the final phase (the only phase of a single-phase run) runs its budget, stops at the
 * first epoch that surpasses the baseline (the paper's rule 1), or stops on a validation plateau (the convergence rule:
 * {@link PlateauSwitch} with {@code stop_patience} and {@code stop_min_delta}, checked from the phase's epoch
 * {@code stop_min_epochs} on, capped by the phase's epochs).
 */
public record PhaseControl(boolean plateau, int patience, double minDelta, Choices.StopRule stopRule, int stopPatience,
                           double stopMinDelta, int stopMinEpochs, Double baselineMetric) {

    public PhaseControl {
        if (plateau) new PlateauSwitch(patience, minDelta, 1); // validates patience and min_delta
        if (stopRule == null) throw new ConfigException("train.stop_rule is not set (budget, surpass, plateau)");
        if (stopRule == Choices.StopRule.SURPASS && (baselineMetric == null || !Double.isFinite(baselineMetric))) {
            throw new ConfigException("train.stop_rule surpass needs train.baseline_metric (the baseline's best validation metric)");
        }
        if (stopRule == Choices.StopRule.PLATEAU) {
            if (stopPatience < 1) throw new ConfigException("train.stop_patience must be >= 1, got " + stopPatience);
            if (!(stopMinDelta >= 0) || Double.isInfinite(stopMinDelta)) {
                throw new ConfigException("train.stop_min_delta must be a finite value >= 0, got " + stopMinDelta);
            }
            if (stopMinEpochs < 0) throw new ConfigException("train.stop_min_epochs must be >= 0, got " + stopMinEpochs);
        }
    }

    /** Reads and validates the train section's switching and stopping keys. */
    public static PhaseControl of(ExperimentConfig.Train t) {
        if (t.phaseSwitch() == null) throw new ConfigException("train.phase_switch is not set (fixed, plateau)");
        boolean plateau = t.phaseSwitch() == Choices.PhaseSwitch.PLATEAU;
        return new PhaseControl(plateau, t.phasePatience(), t.phaseMinDelta(), t.stopRule(), t.stopPatience(), t.stopMinDelta(),
                t.stopMinEpochs(), t.baselineMetric());
    }

    /** A fresh plateau switch for an initial phase (budget = its planned epochs); null for fixed switching or the final phase. */
    public PlateauSwitch switchFor(PhaseSchedule.Phase phase) {
        if (!plateau || phase.isFullResolution()) return null;
        return new PlateauSwitch(patience, minDelta, phase.epochs());
    }

    /** Whether the final phase stops after an epoch with this validation metric under the surpass rule. */
    public boolean stopFinal(double metric) {
        return stopRule == Choices.StopRule.SURPASS && metric > baselineMetric;
    }

    /**
     * The final phase's stop test, asked after each of its epochs but the last: the surpass rule, or the convergence rule
     * primed with the phase's epochs done before a resume ({@code done}, in order), so a resumed run stops where an
     * uninterrupted one would. Null for the budget rule.
     *
     * @param budget the final phase's epochs (the cap)
     * @param phase  the final phase's 1-based number (which records of {@code done} belong to it)
     */
    public Predicate<EpochRecord> finalStop(int budget, int phase, List<EpochRecord> done) {
        return switch (stopRule) {
            case BUDGET -> null;
            case SURPASS -> rec -> stopFinal(rec.validMetric());
            case PLATEAU -> {
                PlateauSwitch ps = new PlateauSwitch(stopPatience, stopMinDelta, budget);
                for (EpochRecord r : done) if (r.phase() == phase) ps.observe(r.validMetric());
                yield rec -> ps.observe(rec.validMetric()) == PlateauSwitch.Decision.BUDGET
                        || ruleMet(ps, stopPatience, stopMinEpochs);
            }
        };
    }

    /**
     * Whether the convergence rule ended the final phase of this history before its budget (the run converged by the
     * rule rather than running out of epochs). False for the other rules.
     */
    public boolean converged(List<EpochRecord> history, int budget) {
        if (stopRule != Choices.StopRule.PLATEAU || history.isEmpty()) return false;
        int last = history.get(history.size() - 1).phase();
        double[] m = history.stream().filter(r -> r.phase() == last).mapToDouble(EpochRecord::validMetric).toArray();
        return convergedAt(m, stopPatience, stopMinDelta, stopMinEpochs, budget) > 0;
    }

    /**
     * The convergence rule over a final phase's per-epoch validation metrics: the 1-based epoch at which the metric has
     * not improved on its best by at least {@code minDelta} for {@code patience} epochs, checked from epoch
     * {@code minEpochs} on (the rule is met, also when that is the budget's last epoch), or 0 when it is not met within
     * the first {@code budget} of these metrics.
     */
    public static int convergedAt(double[] metrics, int patience, double minDelta, int minEpochs, int budget) {
        PlateauSwitch s = new PlateauSwitch(patience, minDelta, budget);
        for (int i = 0; i < Math.min(budget, metrics.length); i++) {
            s.observe(metrics[i]);
            if (ruleMet(s, patience, minEpochs)) return s.epochs();
        }
        return 0;
    }

    /**
     * The convergence rule after the epochs {@code s} has observed: no improvement for {@code patience} epochs, and at
     * least {@code minEpochs} epochs run. Epochs before the floor count towards the patience; the count is not restarted
     * there (docs/training.md).
     */
    private static boolean ruleMet(PlateauSwitch s, int patience, int minEpochs) {
        return s.sinceImprovement() >= patience && s.epochs() >= minEpochs;
    }
}
