package org.tempora.config;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code backbone} section: one record per {@code kind}, bound by Jackson from the kind's name. A kind's record
 * holds only the keys that kind reads (an AST key under an Audio Mamba backbone is an unknown key, not silently
 * ignored). The built-in kinds are {@link Ast} and {@link Aum}; another kind registers its record with
 * {@link Kinds#registerBackbone} (which {@code model.Components.register} does).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "kind", visible = true)
public interface BackboneSpec {
    /** The registered name of this kind ({@code ast}, {@code aum}, …). */
    String kind();

    /** Problems with this section's values, each naming its key ({@code backbone.dim}); empty when valid. */
    default List<String> problems() {
        return List.of();
    }

    /** The sizes both built-in backbones know. */
    List<String> SIZES = List.of("tiny", "small", "base", "mini", "micro");

    /**
     * AST (Gong et al. 2021): a ViT over patch tokens.
     *
     * @param size  tiny, small, base (depth 12) or mini (tiny width, 4 blocks), micro (64 wide, 2 blocks)
     * @param dim   width override (null = the size's)
     * @param depth blocks override (null = the size's)
     * @param heads attention heads override (null = the size's)
     * @param init  block initialisation: timm (AST's own, trunc_normal 0.02) or xavier (ViT/JAX; trains narrow models
     *              from scratch without a plateau; the CPU presets use it)
     */
    record Ast(String kind, String size, Integer dim, Integer depth, Integer heads, String init) implements BackboneSpec {
        public static final Ast DEFAULTS = new Ast("ast", "tiny", null, null, null, "timm");

        @Override
        public List<String> problems() {
            List<String> p = new ArrayList<>(common(size, dim, depth));
            if (heads != null && heads < 1) p.add("bad value for 'backbone.heads': " + heads + " (must be >= 1)");
            else if (heads != null && dim != null && dim % heads != 0) {
                p.add("backbone.dim " + dim + " is not divisible by backbone.heads " + heads);
            }
            if (!List.of("timm", "xavier").contains(init)) p.add(bad("backbone.init", init, "timm, xavier"));
            return p;
        }
    }

    /**
     * Audio Mamba (Erol et al. 2024): bidirectional selective state-space blocks over patch tokens.
     *
     * @param bimamba   none (Fo-Fo), v1 (Fo-Bi), v2 (Bi-Bi)
     * @param scan      auto (sequential below 128 steps, parallel from there: the measured crossover, docs/aum.md),
     *                  sequential, parallel (recursive pairing) or chunked (SSD-style closed form per chunk)
     * @param scanChunk the chunk length of the chunked scan
     */
    record Aum(String kind, String size, Integer dim, Integer depth, String bimamba, String scan, int scanChunk) implements BackboneSpec {
        public static final Aum DEFAULTS = new Aum("aum", "tiny", null, null, "v2", "auto", 32);

        @Override
        public List<String> problems() {
            List<String> p = new ArrayList<>(common(size, dim, depth));
            List<String> bim = List.of("none", "fo-fo", "v1", "fo-bi", "v2", "bi-bi");
            if (bimamba == null || !bim.contains(bimamba.strip().toLowerCase(Locale.ROOT))) p.add(bad("backbone.bimamba", bimamba, String.join(", ", bim)));
            List<String> scans = List.of("auto", "sequential", "parallel", "chunked");
            if (scan == null || !scans.contains(scan.strip().toLowerCase(Locale.ROOT))) p.add(bad("backbone.scan", scan, String.join(", ", scans)));
            if (scanChunk < 1) p.add("bad value for 'backbone.scan_chunk': " + scanChunk + " (must be >= 1)");
            return p;
        }
    }

    private static List<String> common(String size, Integer dim, Integer depth) {
        List<String> p = new ArrayList<>();
        if (!SIZES.contains(size)) p.add(bad("backbone.size", size, String.join(", ", SIZES)));
        if (dim != null && dim < 1) p.add("bad value for 'backbone.dim': " + dim + " (must be >= 1)");
        if (depth != null && depth < 1) p.add("bad value for 'backbone.depth': " + depth + " (must be >= 1)");
        return p;
    }

    private static String bad(String key, String value, String expected) {
        return "bad value for '" + key + "': " + (value == null ? "null" : "'" + value + "'") + " (expected " + expected + ")";
    }
}
