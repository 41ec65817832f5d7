package org.tempora.model;

import ai.djl.ndarray.NDArray;

/** A backbone + head that maps a batch of features to raw logits {@code [B, classes]}. */
public interface Classifier {
    NDArray forward(NDArray features);
}
