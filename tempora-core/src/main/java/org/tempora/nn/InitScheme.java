package org.tempora.nn;

import java.util.Locale;
import org.tempora.ConfigException;

/**
 * How the transformer blocks' Linear layers start.
 * <ul>
 *   <li>{@code TIMM}: timm/DeiT's {@code trunc_normal(std=0.02)}, zero bias — what AST builds when it is not
 *       loading pretrained weights. Faithful, but for narrow models trained from scratch the residual branches
 *       start very small (std ≈ 0.02·√D), so the class tokens barely see the patches and training sits on a
 *       plateau at chance for many epochs (measured on kws35, and reproduced with PyTorch; see docs/training.md).</li>
 *   <li>{@code XAVIER}: Xavier/Glorot uniform, zero bias — the original ViT's (JAX) initialisation, and what
 *       PyTorch's own transformer layers use; it trains narrow models from scratch without the plateau.</li>
 * </ul>
 */
public enum InitScheme {
    TIMM, XAVIER;

    public static InitScheme parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("unknown backbone.init '" + s + "' (timm, xavier)");
        }
    }
}
