package org.tempora.model.mamba;

import org.tempora.eval.FlopCount;
import org.tempora.eval.Flops;
import org.tempora.ConfigException;
import org.tempora.tokens.PatchGeometry;

/**
 * Shape of an Audio Mamba: width D, depth, the mixer variant, the patch grid, the number of classes and how the scan
 * runs. The mixer constants are AuM's (d_state 16, d_conv 4, expand 2, dt_rank ⌈D/16⌉, outputs of v2 averaged).
 * Presets (reference-spec §5.2): tiny 192, small 384, base 768, depth 24; CPU-sized mini (192 wide, 4 layers) and
 * micro (64 wide, 2 layers).
 */
public record AumConfig(int dim, int depth, Bimamba variant, PatchGeometry patches, int numClasses, SelectiveScan.Mode scan) implements org.tempora.model.TokenGrid {
    public AumConfig {
        if (dim < 1 || depth < 1) throw new ConfigException("AuM needs dim and depth >= 1, got " + dim + " and " + depth);
        if (numClasses < 1) throw new ConfigException("number of classes must be >= 1, got " + numClasses);
        if (variant == null || patches == null || scan == null) throw new ConfigException("AuM config is incomplete");
    }

    /** Named sizes: tiny, small, base (depth 24), mini (192, 4 layers), micro (64, 2 layers). */
    public static AumConfig preset(String size, Bimamba variant, PatchGeometry patches, int numClasses, SelectiveScan.Mode scan) {
        return switch (size) {
            case "tiny" -> new AumConfig(192, 24, variant, patches, numClasses, scan);
            case "small" -> new AumConfig(384, 24, variant, patches, numClasses, scan);
            case "base" -> new AumConfig(768, 24, variant, patches, numClasses, scan);
            case "mini" -> new AumConfig(192, 4, variant, patches, numClasses, scan);
            case "micro" -> new AumConfig(64, 2, variant, patches, numClasses, scan);
            default -> throw new ConfigException("unknown AuM size '" + size + "' (tiny, small, base, mini, micro)");
        };
    }

    /** The mixer of every layer. */
    public MambaMixer.Config mixer() {
        return MambaMixer.Config.aum(dim, variant);
    }

    /** Tokens entering the encoder: the patches plus the middle class token. */
    public int sequenceLength() {
        return patches.numPatches() + 1;
    }

    /** Index of the class token in the sequence: N // 2. */
    public int clsPosition() {
        return patches.numPatches() / 2;
    }

    public AumConfig withPatches(PatchGeometry g) {
        return new AumConfig(dim, depth, variant, g, numClasses, scan);
    }

    public AumConfig withScan(SelectiveScan.Mode s) {
        return new AumConfig(dim, depth, variant, patches, numClasses, s);
    }

    /**
     * One Audio Mamba forward per example (reference-spec §5.1–5.2): patch embedding {@code Conv2d(C → D, pf × pt)}
     * + bias; positional embedding add over {@code L = N + 1} tokens (the middle class token included); {@code depth}
     * blocks, each {@code norm} (RMSNorm over L·D), {@code mixer} ({@link Flops#mambaMixer} with AuM's constants and the
     * configured variant) and the residual add (the first block has none, the final add before {@code norm_f} makes
     * up the count); {@code norm_f} over the class token only (all the head reads; tempora computes just that);
     * head Linear(D → classes) + bias.
     */
    @Override
    public FlopCount flops() {
        AumConfig c = this;
        PatchGeometry g = c.patches();
        long l = c.sequenceLength();
        long d = c.dim();
        MambaMixer.Config m = c.mixer();
        FlopCount block = Flops.rmsNorm(l, d).as("norm")
                .plus(Flops.mambaMixer(l, d, m.dState(), m.dConv(), m.expand(), m.dtRank(), c.variant().flops()).as("mixer"))
                .plus(Flops.add(Flops.mul(l, d)).as("residual"));
        return g.embeddingFlops(d, l)
                .plus(block.times(c.depth()).as("layers"))
                .plus(Flops.rmsNorm(1, d).as("norm_f"))
                .plus(Flops.linear(1, d, c.numClasses()).as("head"))
                .plus(Flops.add(c.numClasses()).as("head.bias"));
    }
}
