package org.tempora.train;

import java.util.Set;
import org.tempora.ConfigException;
import org.tempora.config.ExperimentConfig;

/**
 * Learning rate per optimiser step. {@code multistep} is AST's {@code MultiStepLR(milestones=range(start, ∞,
 * step), gamma)} stepped once per epoch; {@code cosine} decays per step to {@code minLrFraction·lr}; both can
 * start with a linear warm-up. (AST's own warm-up sets {@code lr·s/1000} every 50 steps from 0; ours rises
 * linearly every step from {@code lr/warmup} — the same ramp without the staircase.)
 */
public final class LrSchedule {
    private final ExperimentConfig.Schedule s;
    private final double base;
    private final int epochs;
    private final int stepsPerEpoch;

    public LrSchedule(ExperimentConfig.Schedule schedule, double baseLr, int epochs, int stepsPerEpoch) {
        this.s = schedule;
        this.base = baseLr;
        this.epochs = Math.max(1, epochs);
        this.stepsPerEpoch = Math.max(1, stepsPerEpoch);
        if (s.kind() == null) throw new ConfigException("train.schedule.kind is not set (multistep, cosine, constant)");
        if (s.step() < 1) throw new ConfigException("train.schedule.step must be >= 1");
    }

    /**
     * @param epoch      0-based epoch within the phase
     * @param globalStep 0-based optimiser step within the phase
     */
    public double lr(int epoch, long globalStep) {
        double lr = switch (s.kind()) {
            case MULTISTEP -> epoch < s.start() ? base : base * Math.pow(s.gamma(), Math.floorDiv(epoch - s.start(), s.step()) + 1);
            case COSINE -> {
                double total = (double) epochs * stepsPerEpoch;
                double progress = Math.min(1.0, Math.max(0, globalStep - s.warmupSteps()) / Math.max(1.0, total - s.warmupSteps()));
                double min = base * s.minLrFraction();
                yield min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
            }
            default -> base;
        };
        if (s.warmupSteps() > 0 && globalStep < s.warmupSteps()) lr *= (globalStep + 1) / (double) s.warmupSteps();
        return lr;
    }
}
