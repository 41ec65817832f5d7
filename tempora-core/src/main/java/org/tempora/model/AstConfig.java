package org.tempora.model;

import org.tempora.ConfigException;
import org.tempora.eval.FlopCount;
import org.tempora.eval.Flops;
import org.tempora.tokens.PatchGeometry;

/**
 * Shape of an AST: transformer width, depth, heads, MLP hidden size, the patch grid and the number of classes.
 * Presets follow the DeiT sizes AST uses (tiny 192/3, small 384/6, base 768/12, depth 12, MLP 4×).
 */
public record AstConfig(int dim, int depth, int heads, int mlpHidden, PatchGeometry patches, int numClasses) implements TokenGrid {
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

    /**
     * One AST forward per example (reference-spec §2.4): patch embedding {@code Conv2d(C → D, pf × pt)} over the
     * patch grid + bias; positional embedding add over {@code L = N + 2} tokens; {@code depth} pre-norm blocks, each
     * {@code norm1}, {@code attn.qkv} (L·D·3D + bias), {@code attn} core ({@link Flops#attention}), {@code attn.proj}
     * (L·D² + bias), residual, {@code norm2}, {@code mlp.fc1} (L·D·M + bias), GELU, {@code mlp.fc2} (L·M·D + bias),
     * residual; final LayerNorm over all tokens; {@code (cls + dist)/2}; head LayerNorm + Linear(D → classes) + bias.
     *
     * <p>Matmul MACs: {@code C·D·pf·pt·N + depth·(L·(4D² + 2DM) + 2L²D) + D·classes}.
     */
    @Override
    public FlopCount flops() {
        AstConfig c = this;
        PatchGeometry g = c.patches();
        long l = c.sequenceLength();
        long d = c.dim();
        long m = c.mlpHidden();
        FlopCount block = Flops.layerNorm(l, d).as("norm1")
                .plus(Flops.linear(l, d, 3 * d).as("attn.qkv"))
                .plus(Flops.add(Flops.mul(l, 3 * d)).as("attn.qkv.bias"))
                .plus(Flops.attention(l, d, c.heads()).as("attn"))
                .plus(Flops.linear(l, d, d).as("attn.proj"))
                .plus(Flops.add(Flops.mul(l, d)).as("attn.proj.bias"))
                .plus(Flops.add(Flops.mul(l, d)).as("residual"))
                .plus(Flops.layerNorm(l, d).as("norm2"))
                .plus(Flops.linear(l, d, m).as("mlp.fc1"))
                .plus(Flops.add(Flops.mul(l, m)).as("mlp.fc1.bias"))
                .plus(Flops.gelu(Flops.mul(l, m)).as("mlp.gelu"))
                .plus(Flops.linear(l, m, d).as("mlp.fc2"))
                .plus(Flops.add(Flops.mul(l, d)).as("mlp.fc2.bias"))
                .plus(Flops.add(Flops.mul(l, d)).as("residual"));
        return g.embeddingFlops(d, l)
                .plus(block.times(c.depth()).as("blocks"))
                .plus(Flops.layerNorm(l, d).as("norm"))
                .plus(FlopCount.elementwise("pool", d, Flops.ADD + Flops.SCALE))
                .plus(Flops.layerNorm(1, d).as("head.norm"))
                .plus(Flops.linear(1, d, c.numClasses()).as("head.fc"))
                .plus(Flops.add(c.numClasses()).as("head.fc.bias"));
    }
}
