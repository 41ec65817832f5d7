package org.tempora.augment;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * AST's Speech Commands noise augmentation: after normalisation, {@code x += U[0,1)^{T×F} · U[0,1)/10}, then a
 * circular roll along time by an integer in [−10, 9]. tempora normalises inside the model, so the noise is added
 * to the raw log-mel scaled by {@code 2·std} — the same result after normalisation.
 */
public final class SpeechCommandsNoise {
    private SpeechCommandsNoise() {}

    public static void apply(float[] x, int offset, int frames, int bins, double normStd, SplittableRandom rng) {
        double level = rng.nextDouble() / 10 * 2 * normStd;
        int n = frames * bins;
        for (int i = 0; i < n; i++) x[offset + i] += (float) (rng.nextDouble() * level);
        int shift = rng.nextInt(20) - 10; // numpy randint(-10, 10)
        if (shift == 0) return;
        float[] copy = Arrays.copyOfRange(x, offset, offset + n);
        for (int t = 0; t < frames; t++) {
            int dst = Math.floorMod(t + shift, frames);
            System.arraycopy(copy, t * bins, x, offset + dst * bins, bins);
        }
    }
}
