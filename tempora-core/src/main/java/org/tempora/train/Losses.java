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

    /**
     * Label smoothing: {@code (1 − ε)·y + ε/C} over the last axis, the targets {@code torch.nn.CrossEntropyLoss(
     * label_smoothing=ε)} trains on, for one-hot and soft (mixup) targets alike. ε = 0 returns {@code targets} itself.
     */
    public static NDArray smoothTargets(NDArray targets, double eps) {
        if (eps == 0) return targets;
        long classes = targets.getShape().get(targets.getShape().dimension() - 1);
        return targets.mul((float) (1 - eps)).add((float) (eps / classes)); // scalar-ok: targets never need a gradient
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
