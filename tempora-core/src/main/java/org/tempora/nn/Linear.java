package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;

/** {@code y = x Wᵀ + b}, weight [out, in] as in PyTorch. */
public final class Linear extends Module {
    public final int in;
    public final int out;
    private final Parameter weight;
    private final Parameter bias;

    /** timm/ViT init: weight trunc_normal(0.02), bias 0. */
    public static Linear vit(NDManager m, SplittableRandom rng, int in, int out, boolean bias) {
        return new Linear(in, out, Init.truncNormal(m, rng, 0.02, out, in), bias ? Init.zeros(m, out) : null);
    }

    /** A transformer-block Linear initialised by the given scheme (zero bias either way). */
    public static Linear block(NDManager m, SplittableRandom rng, int in, int out, boolean bias, InitScheme scheme) {
        if (scheme == InitScheme.XAVIER) {
            return new Linear(in, out, Init.xavierUniform(m, rng, in, out, out, in), bias ? Init.zeros(m, out) : null);
        }
        return vit(m, rng, in, out, bias);
    }

    /** PyTorch default init: U(±1/√in) for weight and bias. */
    public static Linear torchDefault(NDManager m, SplittableRandom rng, int in, int out, boolean bias) {
        NDArray w = Init.torchDefaultWeight(m, rng, in, out, in);
        return new Linear(in, out, w, bias ? Init.torchDefaultWeight(m, rng, in, out) : null);
    }

    public Linear(int in, int out, NDArray weight, NDArray bias) {
        this.in = in;
        this.out = out;
        this.weight = param("weight", weight, true);
        this.bias = bias == null ? null : param("bias", bias, false);
    }

    public Parameter weight() {
        return weight;
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight.array(), bias == null ? null : bias.array()).singletonOrThrow();
    }
}
