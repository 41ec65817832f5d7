package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * RMSNorm over the last axis, {@code y = x / sqrt(mean(x²) + eps) · g} with no bias and no centring (reference-spec
 * §0.4; Mamba/ViM use eps 1e-5). PyTorch key {@code weight}.
 */
public final class RmsNorm extends Module {
    private final Parameter weight;
    private final float eps;

    public RmsNorm(NDManager m, int dim, float eps) {
        this.weight = param("weight", Init.ones(m, dim), false);
        this.eps = eps;
    }

    public Parameter weight() {
        return weight;
    }

    public NDArray forward(NDArray x) {
        int last = x.getShape().dimension() - 1;
        NDArray rms = x.square().mean(new int[] {last}, true).add(eps).sqrt();
        return x.div(rms).mul(weight.array());
    }
}
