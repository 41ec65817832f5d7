package org.tempora.model.mamba;

import java.util.Locale;
import org.tempora.ConfigException;
import org.tempora.eval.Flops;

/**
 * Bidirectional variant of a {@link MambaMixer} ({@code bimamba_type} in the reference, reference-spec §5.2–5.3).
 */
public enum Bimamba {
    /** "Fo-Fo": one causal scan, left to right. */
    NONE,
    /**
     * "Fo-Bi": conv, x/dt projections and D shared; a second scan with its own {@code A_b} on the time-flipped
     * tensors; the two gated outputs are summed (no /2).
     */
    V1,
    /**
     * "Bi-Bi": only in/out projections shared; the backward branch has its own conv, x/dt projections, {@code A_b},
     * {@code D_b} on the flipped {@code xz}; outputs averaged (AuM's {@code if_devide_out=True}).
     */
    V2;

    /** Parses the config value {@code none}, {@code v1} or {@code v2}. */
    public static Bimamba parse(String s) {
        if (s == null) throw new ConfigException("backbone.bimamba is missing (none, v1, v2)");
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "none", "fo-fo" -> NONE;
            case "v1", "fo-bi" -> V1;
            case "v2", "bi-bi" -> V2;
            default -> throw new ConfigException("unknown backbone.bimamba '" + s + "' (none, v1, v2)");
        };
    }

    /** The config spelling. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The same variant for the analytic FLOP count. */
    public Flops.Bidirectional flops() {
        return switch (this) {
            case NONE -> Flops.Bidirectional.NONE;
            case V1 -> Flops.Bidirectional.V1;
            case V2 -> Flops.Bidirectional.V2;
        };
    }
}
