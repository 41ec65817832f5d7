package org.tempora.augment;

import java.util.SplittableRandom;

/** A training-time masking of one raw log-mel example {@code [frames, bins]} in place (SpecAugment, SpecMask). */
@FunctionalInterface
public interface FeatureMasker {
    void mask(float[] x, int offset, int frames, int bins, SplittableRandom rng);
}
