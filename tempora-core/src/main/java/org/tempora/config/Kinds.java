package org.tempora.config;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which record binds each {@code backbone.kind} and {@code resolution.kind}, with that kind's defaults. The built-in
 * kinds are here; the component registries ({@code model.Components}, {@code resolution.ResolutionStages}) add the
 * kinds registered after start-up, so a config naming a new kind binds to the new kind's own record.
 */
public final class Kinds {
    private Kinds() {}

    /** A kind: its record type and the values of the keys a config leaves out. */
    public record Kind<T>(String name, Class<? extends T> type, T defaults) {}

    private static final Map<String, Kind<BackboneSpec>> BACKBONES = new ConcurrentHashMap<>();
    private static final Map<String, Kind<ResolutionSpec>> RESOLUTIONS = new ConcurrentHashMap<>();
    /** Bumped on every registration, so {@link ConfigLoader} rebuilds its Jackson mapper with the new subtypes. */
    private static final AtomicInteger VERSION = new AtomicInteger();

    static {
        registerBackbone("ast", BackboneSpec.Ast.class, BackboneSpec.Ast.DEFAULTS);
        registerBackbone("aum", BackboneSpec.Aum.class, BackboneSpec.Aum.DEFAULTS);
        registerResolution("none", ResolutionSpec.None.class, ResolutionSpec.None.DEFAULTS);
        registerResolution("diffres", ResolutionSpec.DiffRes.class, ResolutionSpec.DiffRes.DEFAULTS);
        for (String k : new String[] {"avgpool", "maxpool", "avgmax", "energypool", "uniform", "spectral", "fshift"}) {
            registerResolution(k, ResolutionSpec.Pooling.class, ResolutionSpec.Pooling.defaults(k));
        }
    }

    /** Adds (or replaces) a {@code backbone.kind}; {@code defaults.kind()} must be {@code name}. */
    public static <T extends BackboneSpec> void registerBackbone(String name, Class<T> type, T defaults) {
        check(name, defaults.kind());
        BACKBONES.put(name, new Kind<>(name, type, defaults));
        VERSION.incrementAndGet();
    }

    /** Adds (or replaces) a {@code resolution.kind}; {@code defaults.kind()} must be {@code name}. */
    public static <T extends ResolutionSpec> void registerResolution(String name, Class<T> type, T defaults) {
        check(name, defaults.kind());
        RESOLUTIONS.put(name, new Kind<>(name, type, defaults));
        VERSION.incrementAndGet();
    }

    private static void check(String name, String defaultsKind) {
        if (name == null || !name.matches("[a-z][a-z0-9_-]*")) throw new IllegalArgumentException("a kind must be a lower-case name, got " + name);
        if (!name.equals(defaultsKind)) throw new IllegalArgumentException("the defaults of kind " + name + " say kind " + defaultsKind);
    }

    public static Kind<BackboneSpec> backbone(String name) {
        return BACKBONES.get(name);
    }

    public static Kind<ResolutionSpec> resolution(String name) {
        return RESOLUTIONS.get(name);
    }

    public static Set<String> backboneKinds() {
        return new TreeSet<>(BACKBONES.keySet());
    }

    public static Set<String> resolutionKinds() {
        return new TreeSet<>(RESOLUTIONS.keySet());
    }

    /** Every registered kind of a polymorphic section ({@code backbone}, {@code resolution}), by name. */
    static Map<String, ? extends Kind<?>> of(String section) {
        return new TreeMap<>(section.equals("backbone") ? BACKBONES : RESOLUTIONS);
    }

    static int version() {
        return VERSION.get();
    }
}
