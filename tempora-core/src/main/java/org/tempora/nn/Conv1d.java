package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;

/** PyTorch {@code Conv1d}: weight {@code [out, in, k]} and bias {@code [out]}, input {@code [B, in, L]}. */
public final class Conv1d extends Module {
    public final int in;
    public final int out;
    public final int kernel;
    public final int padding;
    private final Parameter weight;
    private final Parameter bias;

    /** PyTorch's default initialisation: weight and bias U(±1/√(in·k)), drawn from {@code rng}. */
    public static Conv1d torchDefault(NDManager m, SplittableRandom rng, int in, int out, int kernel, int padding) {
        long fanIn = (long) in * kernel;
        NDArray w = Init.torchDefaultWeight(m, rng, fanIn, out, in, kernel);
        NDArray b = Init.torchDefaultWeight(m, rng, fanIn, out);
        return new Conv1d(in, out, kernel, padding, w, b);
    }

    public Conv1d(int in, int out, int kernel, int padding, NDArray weight, NDArray bias) {
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.padding = padding;
        this.weight = param("weight", weight, true);
        this.bias = param("bias", bias, false);
    }

    /** Stride 1, dilation 1. */
    public NDArray forward(NDArray x) {
        return Ops.conv1d(x, weight.array(), bias.array(), 1, padding, 1, 1);
    }
}
