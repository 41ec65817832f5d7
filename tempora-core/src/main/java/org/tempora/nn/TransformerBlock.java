package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;

/** Pre-norm ViT block: {@code x += attn(norm1(x)); x += mlp(norm2(x))}, LayerNorm eps 1e-6 (timm). */
public final class TransformerBlock extends Module {
    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;

    public TransformerBlock(NDManager m, SplittableRandom rng, int dim, int heads, int mlpHidden) {
        this(m, rng, dim, heads, mlpHidden, InitScheme.TIMM);
    }

    public TransformerBlock(NDManager m, SplittableRandom rng, int dim, int heads, int mlpHidden, InitScheme init) {
        this.norm1 = child("norm1", new LayerNorm(m, dim, 1e-6f));
        this.attn = child("attn", new Attention(m, rng, dim, heads, init));
        this.norm2 = child("norm2", new LayerNorm(m, dim, 1e-6f));
        this.mlp = child("mlp", new Mlp(m, rng, dim, mlpHidden, init));
    }

    public NDArray forward(NDArray x) {
        x = x.add(attn.forward(norm1.forward(x)));
        return x.add(mlp.forward(norm2.forward(x)));
    }
}
