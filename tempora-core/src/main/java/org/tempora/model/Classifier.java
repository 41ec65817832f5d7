package org.tempora.model;

import ai.djl.ndarray.NDArray;

/** A backbone + head that maps a batch of features to raw logits {@code [B, classes]}. */
public interface Classifier {
    NDArray forward(NDArray features);

    /** Analytic forward FLOPs per example (see docs/flops.md for the convention). */
    double flopsPerExample();

    /** Tokens the encoder sees per example (sequence length including prefix tokens). */
    int tokens();
}
