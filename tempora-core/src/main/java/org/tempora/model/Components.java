package org.tempora.model;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.tempora.ConfigException;
import org.tempora.config.BackboneSpec;
import org.tempora.config.ExperimentConfig;
import org.tempora.config.Kinds;
import org.tempora.model.mamba.AudioMamba;
import org.tempora.nn.InitScheme;
import org.tempora.tokens.PatchGeometry;

/**
 * The backbones tempora can build, by {@code backbone.kind}: one line each. A new backbone is a {@link Backbone}
 * subclass, its config record, one {@link #register} call and a preset (docs/extending.md walks through one).
 * Registering a kind also makes its record bind the {@code backbone} section of a config naming it ({@link Kinds}),
 * so register before such a config is loaded.
 */
public final class Components {
    private Components() {}

    /**
     * Builds a backbone (with its head) from its own config record, the whole experiment config (for the seed and
     * anything global), a token grid and a number of classes.
     */
    @FunctionalInterface
    public interface BackboneFactory<S extends BackboneSpec> {
        Backbone build(S spec, ExperimentConfig cfg, PatchGeometry grid, int classes, NDManager manager);
    }

    private record Entry<S extends BackboneSpec>(Class<S> type, BackboneFactory<S> factory) {
        Backbone build(BackboneSpec spec, ExperimentConfig cfg, PatchGeometry grid, int classes, NDManager m) {
            return factory.build(type.cast(spec), cfg, grid, classes, m);
        }
    }

    private static final Map<String, Entry<?>> BACKBONES = new ConcurrentHashMap<>();

    static {
        register("ast", BackboneSpec.Ast.class, BackboneSpec.Ast.DEFAULTS, (b, cfg, g, classes, m) ->
                new Ast(m, ModelFactory.astConfig(b, g, classes), cfg.seed(), InitScheme.parse(b.init())));
        register("aum", BackboneSpec.Aum.class, BackboneSpec.Aum.DEFAULTS, (b, cfg, g, classes, m) ->
                new AudioMamba(m, ModelFactory.aumConfig(b, g, classes), cfg.seed()));
    }

    /**
     * Adds (or replaces) the backbone built for {@code kind}: its config record type (bound from the {@code backbone}
     * section when {@code backbone.kind} is {@code kind}), the values of the keys a config leaves out, and its factory.
     */
    public static <S extends BackboneSpec> void register(String kind, Class<S> type, S defaults, BackboneFactory<S> factory) {
        Kinds.registerBackbone(kind, type, defaults);
        BACKBONES.put(kind, new Entry<>(type, factory));
    }

    /** The registered kinds. */
    public static Set<String> backboneKinds() {
        return Set.copyOf(BACKBONES.keySet());
    }

    /** The backbone a config names. @throws ConfigException for a kind without a factory */
    public static Backbone backbone(ExperimentConfig cfg, PatchGeometry grid, int classes, NDManager manager) {
        Entry<?> e = BACKBONES.get(cfg.backbone().kind());
        if (e == null) {
            throw new ConfigException("unknown backbone '" + cfg.backbone().kind() + "' (" + String.join(", ", new TreeSet<>(BACKBONES.keySet())) + ")");
        }
        return e.build(cfg.backbone(), cfg, grid, classes, manager);
    }
}
