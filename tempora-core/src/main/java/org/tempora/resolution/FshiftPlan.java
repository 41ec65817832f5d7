package org.tempora.resolution;

import org.tempora.ConfigException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;

/**
 * The "larger hop" baseline done on the feature side: instead of sampling frames of a 10 ms spectrogram
 * ({@link UniformSampling}), the fbank is recomputed with the hop {@code shift/(1−δ)} and padded/truncated to
 * {@code t = int(T·(1−δ))} frames, so the model sees as many frames as DiffRes at the same δ. The resolution stage
 * {@code fshift} is then the identity ({@link Fshift}).
 *
 * @param frameShiftMs the new hop in ms (the fbank uses {@code int(sr·ms/1000)} samples)
 * @param targetFrames the new target frame count t
 */
public record FshiftPlan(double frameShiftMs, int targetFrames) {

    /** The plan for a base hop, a base target length T and a reduction δ. */
    public static FshiftPlan of(double baseShiftMs, int baseFrames, double reduction) {
        if (!(reduction >= 0 && reduction < 1)) throw new ConfigException("resolution.reduction must be in [0, 1), got " + reduction);
        int t = ResolutionStages.outputFrames(baseFrames, reduction);
        if (t < 1) throw new ConfigException("δ = " + reduction + " leaves no frame of " + baseFrames);
        return new FshiftPlan(baseShiftMs / (1 - reduction), t);
    }

    /** The plan for a config's features and {@code resolution.reduction}. */
    public static FshiftPlan of(ExperimentConfig cfg) {
        return of(cfg.features().frameShiftMs(), cfg.features().targetFrames(), cfg.resolution().reduction());
    }

    /**
     * A copy of {@code cfg} whose features use this plan ({@code features.frame_shift_ms}, {@code features.target_frames}).
     * Apply it once, to the config as written (the plan is relative to the 10 ms features it describes).
     */
    public static ExperimentConfig applyTo(ExperimentConfig cfg) {
        FshiftPlan p = of(cfg);
        return cfg.withFeatures(cfg.features().withFraming(p.frameShiftMs(), p.targetFrames()));
    }

    /** Hop in samples at a sample rate, as the fbank computes it. */
    public int shiftSamples(int sampleRate) {
        return (int) (sampleRate * frameShiftMs * 0.001);
    }
}
