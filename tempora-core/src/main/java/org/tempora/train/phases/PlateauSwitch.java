package org.tempora.train.phases;

import org.tempora.ConfigException;

/**
 * Decides when a coarse phase has stopped paying off: switch to the next phase once the validation metric (higher
 * is better) has not improved by at least {@code minDelta} for {@code patience} consecutive epochs — but never run
 * the phase beyond its budget. This goes beyond the paper, which fixes the phase lengths and names learnable phase
 * transitions as future work.
 *
 * <p>An epoch improves when {@code metric > best} and {@code metric − best ≥ minDelta}, where {@code best} is the
 * best metric of this phase so far (the first finite metric always improves; NaN never does). Use one instance per
 * phase: call {@link #observe} after each validated epoch and move on when it returns anything but
 * {@link Decision#CONTINUE}. {@link #switchEpoch} is the same rule as a pure function over a whole history.
 */
public final class PlateauSwitch {
    /** What to do after an epoch. */
    public enum Decision {
        /** Keep training this phase. */
        CONTINUE,
        /** No improvement for {@code patience} epochs: switch now. */
        PLATEAU,
        /** The phase has used its whole budget: switch now. */
        BUDGET
    }

    private final int patience;
    private final double minDelta;
    private final int budget;
    private int epochs;
    private int sinceImprovement;
    private double best = Double.NEGATIVE_INFINITY;
    private int bestEpoch;

    /**
     * @param patience epochs without improvement before switching (≥ 1)
     * @param minDelta smallest increase that counts as an improvement (≥ 0)
     * @param budget   the phase's maximum length in epochs (≥ 1)
     */
    public PlateauSwitch(int patience, double minDelta, int budget) {
        if (patience < 1) throw new ConfigException("train.phase_patience must be >= 1, got " + patience);
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) throw new ConfigException("train.phase_min_delta must be a finite value >= 0, got " + minDelta);
        if (budget < 1) throw new ConfigException("a phase budget must be >= 1 epoch, got " + budget);
        this.patience = patience;
        this.minDelta = minDelta;
        this.budget = budget;
    }

    /** Records the validation metric of the phase's next epoch and says whether to switch after it. */
    public Decision observe(double metric) {
        if (epochs >= budget) throw new IllegalStateException("the phase already used its " + budget + " epochs");
        epochs++;
        if (improves(metric)) {
            best = metric;
            bestEpoch = epochs;
            sinceImprovement = 0;
        } else {
            sinceImprovement++;
        }
        if (epochs >= budget) return Decision.BUDGET;
        if (sinceImprovement >= patience) return Decision.PLATEAU;
        return Decision.CONTINUE;
    }

    private boolean improves(double metric) {
        if (Double.isNaN(metric)) return false;
        if (best == Double.NEGATIVE_INFINITY) return true;
        return metric > best && metric - best >= minDelta;
    }

    /** Epochs observed so far. */
    public int epochs() {
        return epochs;
    }

    /** Best metric of the phase so far (−∞ before any finite one). */
    public double best() {
        return best;
    }

    /** 1-based epoch of the phase with the best metric (0 before any). */
    public int bestEpoch() {
        return bestEpoch;
    }

    public int sinceImprovement() {
        return sinceImprovement;
    }

    /**
     * The same rule over a phase's per-epoch metrics: the 1-based epoch of the phase after which it switches, or
     * {@code min(budget, metrics.length)} if neither a plateau nor the budget ends it within the given history
     * (then more epochs were needed to decide).
     */
    public static int switchEpoch(double[] metrics, int patience, double minDelta, int budget) {
        PlateauSwitch s = new PlateauSwitch(patience, minDelta, budget);
        for (double m : metrics) {
            if (s.observe(m) != Decision.CONTINUE) return s.epochs();
        }
        return s.epochs();
    }
}
