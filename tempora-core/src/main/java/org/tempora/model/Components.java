package org.tempora.model;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.tempora.ConfigException;
import org.tempora.config.ConfigValidator;
import org.tempora.config.ExperimentConfig;
import org.tempora.model.mamba.AudioMamba;
import org.tempora.nn.InitScheme;
import org.tempora.tokens.PatchGeometry;

/**
 * The backbones tempora can build, by {@code backbone.kind}: one line each. A new backbone is a {@link Backbone}
 * subclass, its config record, one {@link #register} call and a preset (docs/extending.md walks through one).
 * Registering a kind also makes it a valid {@code backbone.kind} for {@link ConfigValidator}, so register before a
 * config naming it is loaded.
 */
public final class Components {
    private Components() {}

    /** Builds a backbone (with its head) for a token grid and a number of classes. */
    @FunctionalInterface
    public interface BackboneFactory {
        Backbone build(ExperimentConfig cfg, PatchGeometry grid, int classes, NDManager manager);
    }

    private static final Map<String, BackboneFactory> BACKBONES = new ConcurrentHashMap<>();

    static {
        register("ast", (cfg, g, classes, m) -> new Ast(m, ModelFactory.astConfig(cfg.backbone, g, classes), cfg.seed,
                InitScheme.parse(cfg.backbone.init)));
        register("aum", (cfg, g, classes, m) -> new AudioMamba(m, ModelFactory.aumConfig(cfg.backbone, g, classes), cfg.seed));
    }

    /** Adds (or replaces) the backbone built for {@code kind}. */
    public static void register(String kind, BackboneFactory factory) {
        if (kind == null || !kind.matches("[a-z][a-z0-9_-]*")) throw new IllegalArgumentException("backbone kind must be a lower-case name, got " + kind);
        BACKBONES.put(kind, factory);
        ConfigValidator.allowBackboneKind(kind);
    }

    /** The registered kinds. */
    public static Set<String> backboneKinds() {
        return Set.copyOf(BACKBONES.keySet());
    }

    /** The backbone a config names. @throws ConfigException for an unknown kind */
    public static Backbone backbone(ExperimentConfig cfg, PatchGeometry grid, int classes, NDManager manager) {
        BackboneFactory f = BACKBONES.get(cfg.backbone.kind);
        if (f == null) {
            throw new ConfigException("unknown backbone '" + cfg.backbone.kind + "' (" + String.join(", ", new TreeSet<>(BACKBONES.keySet())) + ")");
        }
        return f.build(cfg, grid, classes, manager);
    }
}
