package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;

/** fc1 → GELU → fc2, as timm's ViT MLP. */
public final class Mlp extends Module {
    private final Linear fc1;
    private final Linear fc2;

    public Mlp(NDManager m, SplittableRandom rng, int dim, int hidden) {
        this(m, rng, dim, hidden, InitScheme.TIMM);
    }

    public Mlp(NDManager m, SplittableRandom rng, int dim, int hidden, InitScheme init) {
        this.fc1 = child("fc1", Linear.block(m, rng, dim, hidden, true, init));
        this.fc2 = child("fc2", Linear.block(m, rng, hidden, dim, true, init));
    }

    public NDArray forward(NDArray x) {
        return fc2.forward(Ops.gelu(fc1.forward(x)));
    }
}
