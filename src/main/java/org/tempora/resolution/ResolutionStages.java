package org.tempora.resolution;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.tempora.ConfigException;
import org.tempora.config.ExperimentConfig;

/**
 * Builds the resolution stage a config names: {@code none} (null: the spectrogram passes unchanged), {@code diffres},
 * the fixed baselines {@code avgpool}, {@code maxpool}, {@code avgmax}, {@code uniform}, {@code spectral}, and
 * {@code fshift} (identity on features recomputed with a larger hop, see {@link FshiftPlan}).
 */
public final class ResolutionStages {
    private ResolutionStages() {}

    /** Every accepted {@code resolution.kind}. */
    public static final List<String> KINDS = List.of("none", "diffres", "avgpool", "maxpool", "avgmax", "uniform", "spectral", "fshift");

    /** Output length of a stage with reduction δ: {@code t = int(T·(1−δ))} computed in double, as the reference. */
    public static int outputFrames(int frames, double reduction) {
        return (int) (frames * (1 - reduction));
    }

    /**
     * @param frames input frames T of the features
     * @param bins   mel bins F
     * @param seed   initialisation seed (DiffRes's estimator)
     */
    public static ResolutionStage build(ExperimentConfig cfg, int frames, int bins, NDManager manager, long seed) {
        ExperimentConfig.Resolution r = cfg.resolution;
        String kind = r.kind == null ? "none" : r.kind.trim();
        if (!KINDS.contains(kind)) throw new ConfigException("unknown resolution.kind '" + kind + "' (" + String.join(", ", KINDS) + ")");
        if (kind.equals("none")) return null;
        if (!(r.reduction >= 0 && r.reduction < 1)) {
            throw new ConfigException("resolution.reduction must be in [0, 1), got " + r.reduction);
        }
        if (!kind.equals("fshift") && outputFrames(frames, r.reduction) < 1) {
            throw new ConfigException("resolution.reduction " + r.reduction + " leaves no frame of " + frames);
        }
        return switch (kind) {
            case "diffres" -> new DiffRes(manager, frames, bins, r.reduction, channels(r.channels), r.learnPosEmb,
                    DiffRes.MaxPoolMode.parse(r.maxpool == null ? "reference" : r.maxpool), seed);
            case "avgpool" -> new AdaptivePooling(AdaptivePooling.Mode.AVG, frames, bins, r.reduction);
            case "maxpool" -> new AdaptivePooling(AdaptivePooling.Mode.MAX, frames, bins, r.reduction);
            case "avgmax" -> new AdaptivePooling(AdaptivePooling.Mode.AVGMAX, frames, bins, r.reduction);
            case "uniform" -> new UniformSampling(frames, r.reduction);
            case "spectral" -> new SpectralPooling(manager, frames, bins, r.reduction);
            case "fshift" -> new Fshift(frames, new FshiftPlan(cfg.features.frameShiftMs, frames));
            default -> throw new IllegalStateException(kind);
        };
    }

    private static List<DiffRes.Channel> channels(List<String> names) {
        if (names == null || names.isEmpty()) throw new ConfigException("resolution.channels must name at least one of avg, max, pos");
        List<DiffRes.Channel> out = new ArrayList<>();
        for (String n : names) out.add(DiffRes.Channel.parse(n));
        return out;
    }
}
