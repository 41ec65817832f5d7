package org.tempora.resolution;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.tempora.ConfigException;
import org.tempora.config.ExperimentConfig;
import org.tempora.config.Kinds;
import org.tempora.config.ResolutionSpec;

/**
 * Builds the resolution stage a config names: {@code none} (null: the spectrogram passes unchanged), {@code diffres},
 * the fixed baselines {@code avgpool}, {@code maxpool}, {@code avgmax}, {@code energypool}, {@code uniform}, {@code spectral}, and
 * {@code fshift} (identity on features recomputed with a larger hop, see {@link FshiftPlan}).
 */
public final class ResolutionStages {
    private ResolutionStages() {}

    /**
     * Builds one kind of stage from its config record for an input of {@code frames × bins} (the reduction is already
     * checked to leave at least one frame, except for fshift, which keeps the frame count).
     */
    @FunctionalInterface
    public interface Factory<S extends ResolutionSpec> {
        ResolutionStage build(S spec, ExperimentConfig cfg, int frames, int bins, NDManager manager, long seed);
    }

    private record Entry<S extends ResolutionSpec>(Class<S> type, Factory<S> factory) {
        ResolutionStage build(ResolutionSpec spec, ExperimentConfig cfg, int frames, int bins, NDManager m, long seed) {
            return factory.build(type.cast(spec), cfg, frames, bins, m, seed);
        }
    }

    private static final Map<String, Entry<?>> KINDS = new ConcurrentHashMap<>();

    static {
        register("diffres", ResolutionSpec.DiffRes.class, ResolutionSpec.DiffRes.DEFAULTS, (r, cfg, frames, bins, m, seed) ->
                new DiffRes(m, frames, bins, r.reduction(), channels(r.channels()), r.learnPosEmb(), DiffRes.MaxPoolMode.parse(r.maxpool()), seed,
                        r.estimatorBnEpochs()));
        pooling("avgpool", (r, cfg, frames, bins, m, seed) -> new AdaptivePooling(AdaptivePooling.Mode.AVG, frames, bins, r.reduction()));
        pooling("maxpool", (r, cfg, frames, bins, m, seed) -> new AdaptivePooling(AdaptivePooling.Mode.MAX, frames, bins, r.reduction()));
        pooling("avgmax", (r, cfg, frames, bins, m, seed) -> new AdaptivePooling(AdaptivePooling.Mode.AVGMAX, frames, bins, r.reduction()));
        pooling("energypool", (r, cfg, frames, bins, m, seed) -> new AdaptivePooling(AdaptivePooling.Mode.ENERGY, frames, bins, r.reduction()));
        pooling("uniform", (r, cfg, frames, bins, m, seed) -> new UniformSampling(frames, r.reduction()));
        pooling("spectral", (r, cfg, frames, bins, m, seed) -> new SpectralPooling(m, frames, bins, r.reduction()));
        pooling("fshift", (r, cfg, frames, bins, m, seed) -> new Fshift(frames, new FshiftPlan(cfg.features().frameShiftMs(), frames)));
    }

    private static void pooling(String kind, Factory<ResolutionSpec.Pooling> f) {
        register(kind, ResolutionSpec.Pooling.class, ResolutionSpec.Pooling.defaults(kind), f);
    }

    /**
     * Adds (or replaces) a {@code resolution.kind}: its config record type (bound from the {@code resolution} section
     * when it names {@code kind}), the values of the keys a config leaves out, and its factory.
     */
    public static <S extends ResolutionSpec> void register(String kind, Class<S> type, S defaults, Factory<S> factory) {
        if ("none".equals(kind)) throw new IllegalArgumentException("resolution kind none is the absence of a stage");
        Kinds.registerResolution(kind, type, defaults);
        KINDS.put(kind, new Entry<>(type, factory));
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
        ResolutionSpec r = cfg.resolution();
        if (r.kind().equals("none")) return null;
        Entry<?> e = KINDS.get(r.kind());
        if (e == null) {
            throw new ConfigException("unknown resolution.kind '" + r.kind() + "' (none, " + String.join(", ", new TreeSet<>(KINDS.keySet())) + ")");
        }
        if (!(r.reduction() >= 0 && r.reduction() < 1)) {
            throw new ConfigException("resolution.reduction must be in [0, 1), got " + r.reduction());
        }
        if (!r.kind().equals("fshift") && outputFrames(frames, r.reduction()) < 1) {
            throw new ConfigException("resolution.reduction " + r.reduction() + " leaves no frame of " + frames);
        }
        return e.build(r, cfg, frames, bins, manager, seed);
    }

    private static List<DiffRes.Channel> channels(List<String> names) {
        if (names == null || names.isEmpty()) throw new ConfigException("resolution.channels must name at least one of " + DiffRes.Channel.NAMES);
        List<DiffRes.Channel> out = new ArrayList<>();
        for (String n : names) out.add(DiffRes.Channel.parse(n));
        return out;
    }
}
