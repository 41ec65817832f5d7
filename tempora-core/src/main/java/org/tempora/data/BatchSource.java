package org.tempora.data;

import java.util.SplittableRandom;

/**
 * The examples of one split, served as batches of raw log-mel features (padded/truncated to a fixed frame count,
 * not normalised: normalisation is part of the model pipeline, after the resolution stage). Training batches
 * are augmented (mixup on the waveform as AST does, SpecAugment or SpecMask, Speech Commands noise) with the
 * given generator, so a batch is a pure function of (indices, rng state). Implementations are thread-safe.
 */
public interface BatchSource {
    /** Number of examples. */
    int size();

    int frames();

    int bins();

    int numClasses();

    /** Label indices of example {@code i} (one for single-label datasets). */
    int[] labels(int i);

    /**
     * @param indices example indices (0 ≤ i < size())
     * @param augment apply the training augmentations
     * @param rng     the randomness of this batch (ignored when augment is false)
     */
    Batch batch(int[] indices, boolean augment, SplittableRandom rng);
}
