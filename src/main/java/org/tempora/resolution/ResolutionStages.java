package org.tempora.resolution;

import ai.djl.ndarray.NDManager;
import org.tempora.ConfigException;
import org.tempora.config.ExperimentConfig;

/** Builds the resolution stage a config names ({@code none} gives null: the spectrogram passes unchanged). */
public final class ResolutionStages {
    private ResolutionStages() {}

    /** Output length of a stage with reduction δ: {@code t = int(T·(1−δ))} computed in double, as the reference. */
    public static int outputFrames(int frames, double reduction) {
        return (int) (frames * (1 - reduction));
    }

    public static ResolutionStage build(ExperimentConfig cfg, int frames, int bins, NDManager manager, long seed) {
        String kind = cfg.resolution.kind;
        if (kind.equals("none")) return null;
        throw new ConfigException("unknown resolution stage '" + kind + "' (none)");
    }
}
