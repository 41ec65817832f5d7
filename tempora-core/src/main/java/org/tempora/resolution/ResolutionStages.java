package org.tempora.resolution;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.tempora.ConfigException;
import org.tempora.config.ConfigValidator;
import org.tempora.config.ExperimentConfig;

/**
 * Builds the resolution stage a config names: {@code none} (null: the spectrogram passes unchanged), {@code diffres},
 * the fixed baselines {@code avgpool}, {@code maxpool}, {@code avgmax}, {@code uniform}, {@code spectral}, and
 * {@code fshift} (identity on features recomputed with a larger hop, see {@link FshiftPlan}).
 */
public final class ResolutionStages {
    private ResolutionStages() {}

    /**
     * Builds one kind of stage for an input of {@code frames × bins} (the reduction is already checked to leave at least
     * one frame, except for fshift, which keeps the frame count).
     */
    @FunctionalInterface
    public interface Factory {
        ResolutionStage build(ExperimentConfig cfg, int frames, int bins, NDManager manager, long seed);
    }

    private static final Map<String, Factory> KINDS = new ConcurrentHashMap<>();

    static {
        register("diffres", (cfg, frames, bins, m, seed) -> new DiffRes(m, frames, bins, cfg.resolution.reduction,
                channels(cfg.resolution.channels), cfg.resolution.learnPosEmb,
                DiffRes.MaxPoolMode.parse(cfg.resolution.maxpool == null ? "reference" : cfg.resolution.maxpool), seed));
        register("avgpool", (cfg, frames, bins, m, seed) -> new AdaptivePooling(AdaptivePooling.Mode.AVG, frames, bins, cfg.resolution.reduction));
        register("maxpool", (cfg, frames, bins, m, seed) -> new AdaptivePooling(AdaptivePooling.Mode.MAX, frames, bins, cfg.resolution.reduction));
        register("avgmax", (cfg, frames, bins, m, seed) -> new AdaptivePooling(AdaptivePooling.Mode.AVGMAX, frames, bins, cfg.resolution.reduction));
        register("uniform", (cfg, frames, bins, m, seed) -> new UniformSampling(frames, cfg.resolution.reduction));
        register("spectral", (cfg, frames, bins, m, seed) -> new SpectralPooling(m, frames, bins, cfg.resolution.reduction));
        register("fshift", (cfg, frames, bins, m, seed) -> new Fshift(frames, new FshiftPlan(cfg.features.frameShiftMs, frames)));
    }

    /** Adds (or replaces) a {@code resolution.kind}; also makes it valid for {@link ConfigValidator}. */
    public static void register(String kind, Factory factory) {
        if (kind == null || !kind.matches("[a-z][a-z0-9_-]*") || kind.equals("none")) {
            throw new IllegalArgumentException("resolution kind must be a lower-case name other than none, got " + kind);
        }
        KINDS.put(kind, factory);
        ConfigValidator.allowResolutionKind(kind);
    }

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
        if (kind.equals("none")) return null;
        Factory f = KINDS.get(kind);
        if (f == null) {
            throw new ConfigException("unknown resolution.kind '" + kind + "' (none, " + String.join(", ", new TreeSet<>(KINDS.keySet())) + ")");
        }
        if (!(r.reduction >= 0 && r.reduction < 1)) {
            throw new ConfigException("resolution.reduction must be in [0, 1), got " + r.reduction);
        }
        if (!kind.equals("fshift") && outputFrames(frames, r.reduction) < 1) {
            throw new ConfigException("resolution.reduction " + r.reduction + " leaves no frame of " + frames);
        }
        return f.build(cfg, frames, bins, manager, seed);
    }

    private static List<DiffRes.Channel> channels(List<String> names) {
        if (names == null || names.isEmpty()) throw new ConfigException("resolution.channels must name at least one of avg, max, pos");
        List<DiffRes.Channel> out = new ArrayList<>();
        for (String n : names) out.add(DiffRes.Channel.parse(n));
        return out;
    }
}
