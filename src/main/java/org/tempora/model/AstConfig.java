package org.tempora.model;

import org.tempora.ConfigException;
import org.tempora.tokens.PatchGeometry;

/**
 * Shape of an AST: transformer width, depth, heads, MLP hidden size, the patch grid and the number of classes.
 * Presets follow the DeiT sizes AST uses (tiny 192/3, small 384/6, base 768/12, depth 12, MLP 4×).
 */
public record AstConfig(int dim, int depth, int heads, int mlpHidden, PatchGeometry patches, int numClasses) {
    public AstConfig {
        if (dim < 1 || depth < 0 || heads < 1 || mlpHidden < 1) {
            throw new ConfigException("AST needs dim, heads, mlp hidden >= 1 and depth >= 0");
        }
        if (dim % heads != 0) throw new ConfigException("AST dim " + dim + " is not divisible by " + heads + " heads");
        if (numClasses < 1) throw new ConfigException("number of classes must be >= 1, got " + numClasses);
    }

    /** Named sizes: tiny, small, base (depth 12), plus "mini" (tiny width, 4 blocks) for fast CPU experiments. */
    public static AstConfig preset(String size, PatchGeometry patches, int numClasses) {
        return switch (size) {
            case "tiny" -> new AstConfig(192, 12, 3, 768, patches, numClasses);
            case "small" -> new AstConfig(384, 12, 6, 1536, patches, numClasses);
            case "base" -> new AstConfig(768, 12, 12, 3072, patches, numClasses);
            case "mini" -> new AstConfig(192, 4, 3, 768, patches, numClasses);
            case "micro" -> new AstConfig(64, 2, 2, 256, patches, numClasses);
            default -> throw new ConfigException("unknown AST size '" + size + "' (tiny, small, base, mini, micro)");
        };
    }

    /** Tokens entering the encoder: patches plus the cls and distillation tokens. */
    public int sequenceLength() {
        return patches.numPatches() + 2;
    }

    public AstConfig withPatches(PatchGeometry g) {
        return new AstConfig(dim, depth, heads, mlpHidden, g, numClasses);
    }

    public AstConfig withDepth(int d) {
        return new AstConfig(dim, d, heads, mlpHidden, patches, numClasses);
    }
}
