package org.tempora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Training losses on raw logits {@code [B, C]} and (soft) targets {@code [B, C]}, averaged like PyTorch. */
public final class Losses {
    private Losses() {}

    /** Cross-entropy with soft targets: {@code mean_b(−Σ_c y·log softmax(x))} (= PyTorch CE for one-hot y). */
    public static NDArray crossEntropy(NDArray logits, NDArray targets) {
        return logits.logSoftmax(-1).mul(targets).sum(new int[] {1}).neg().mean();
    }

    /** {@code BCEWithLogitsLoss} (mean over B·C), in the stable form {@code max(x,0) − x·y + log(1 + e^{−|x|})}. */
    public static NDArray binaryCrossEntropy(NDArray logits, NDArray targets) {
        NDArray pos;
        try (NDArray zero = logits.getManager().full(new Shape(), 0f)) {
            pos = logits.maximum(zero); // not maximum(0f): see Ops.mul on DJL's scalar ops and autograd
        }
        NDArray softplus = logits.abs().neg().exp().add(1f).log();
        return pos.sub(logits.mul(targets)).add(softplus).mean();
    }
}
