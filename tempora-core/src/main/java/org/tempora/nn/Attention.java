package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;

/**
 * Multi-head self-attention as timm's ViT: one qkv Linear (rows q, k, v; heads contiguous inside each),
 * {@code softmax(q kᵀ / √d_head) v}, output projection.
 */
public final class Attention extends Module {
    private final int heads;
    private final int headDim;
    private final float scale;
    private final Linear qkv;
    private final Linear proj;

    public Attention(NDManager m, SplittableRandom rng, int dim, int heads) {
        this(m, rng, dim, heads, InitScheme.TIMM);
    }

    public Attention(NDManager m, SplittableRandom rng, int dim, int heads, InitScheme init) {
        if (dim % heads != 0) throw new IllegalArgumentException("dim " + dim + " is not divisible by " + heads + " heads");
        this.heads = heads;
        this.headDim = dim / heads;
        this.scale = (float) Math.pow(headDim, -0.5);
        this.qkv = child("qkv", Linear.block(m, rng, dim, 3 * dim, true, init));
        this.proj = child("proj", Linear.block(m, rng, dim, dim, true, init));
    }

    /** x [B, N, D] → [B, N, D]. */
    public NDArray forward(NDArray x) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long d = x.getShape().get(2);
        NDArray t = qkv.forward(x).reshape(b, n, 3, heads, headDim).transpose(2, 0, 3, 1, 4); // [3, B, H, N, hd]
        NDArray q = Ops.mul(t.get(0), scale);
        NDArray k = t.get(1);
        NDArray v = t.get(2);
        NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1); // [B, H, N, N]
        NDArray o = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, d);
        return proj.forward(o);
    }
}
