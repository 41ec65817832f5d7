package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** LayerNorm over the last axis, {@code (x − mean)/sqrt(var + eps)·g + b} (biased variance). */
public final class LayerNorm extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final float eps;
    private final Shape normalized;

    public LayerNorm(NDManager m, int dim, float eps) {
        this.weight = param("weight", Init.ones(m, dim), false);
        this.bias = param("bias", Init.zeros(m, dim), false);
        this.eps = eps;
        this.normalized = new Shape(dim);
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalized, weight.array(), bias.array(), eps).singletonOrThrow();
    }
}
