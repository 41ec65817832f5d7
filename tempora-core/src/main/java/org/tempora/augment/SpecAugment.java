package org.tempora.augment;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * SpecAugment as AST applies it with torchaudio's {@code FrequencyMasking(freqm)} then {@code TimeMasking(timem)}
 * ({@code iid_masks=False}): per mask, {@code v = U·p}, {@code v0 = U·(size − v)}, cells
 * {@code [⌊v0⌋, ⌊v0⌋ + ⌊v⌋)} set to 0 (log domain, before normalisation). So widths are 0 … p−1.
 */
public final class SpecAugment {
    private SpecAugment() {}

    /** Masks in place a {@code [frames, bins]} row-major matrix. */
    public static void apply(float[] x, int offset, int frames, int bins, int freqm, int timem, SplittableRandom rng) {
        if (freqm > 0) {
            int[] m = mask(bins, freqm, rng);
            for (int t = 0; t < frames; t++) {
                for (int f = m[0]; f < m[1]; f++) x[offset + t * bins + f] = 0f;
            }
        }
        if (timem > 0) {
            int[] m = mask(frames, timem, rng);
            for (int t = m[0]; t < m[1]; t++) Arrays.fill(x, offset + t * bins, offset + (t + 1) * bins, 0f);
        }
    }

    /** torchaudio's {@code mask_along_axis} draw: [start, end) on an axis of {@code size}. */
    static int[] mask(int size, int param, SplittableRandom rng) {
        double value = rng.nextDouble() * param;
        double min = rng.nextDouble() * (size - value);
        int start = (int) min;
        int end = start + (int) value;
        return new int[] {start, Math.min(end, size)};
    }
}
