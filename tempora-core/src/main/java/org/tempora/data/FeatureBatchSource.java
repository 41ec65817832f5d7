package org.tempora.data;

import java.util.List;
import java.util.SplittableRandom;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.SampleSource;
import org.tempora.augment.FeatureMasker;
import org.tempora.augment.Mixup;
import org.tempora.augment.SpeechCommandsNoise;
import org.tempora.augment.VoiceWarp;
import org.tempora.features.FrontEnd;

/**
 * Batches from cached features, with AST's training augmentations in AST's order: mixup (on the waveform; the
 * mixed clip's fbank is computed on the fly, from streams) → voice warp (ours: VTLP and tempo, {@link VoiceWarp}) → masking (SpecAugment or SpecMask, value 0 in the log domain) →
 * Speech Commands noise. Without augmentation a batch is a copy of cached rows.
 */
public final class FeatureBatchSource implements BatchSource {
    /** Augmentation settings; {@code masker} and {@code warp} may be null. */
    public record Augment(FeatureMasker masker, double mixup, boolean noise, double normStd, VoiceWarp warp) {
        public static Augment none() {
            return new Augment(null, 0, false, 1, null);
        }
    }

    private final FeatureSet features;
    private final List<Clip> clips;
    private final int[] kept;
    private final int numClasses;
    private final FrontEnd frontEnd;
    private final Augment aug;

    /**
     * @param clips    the clips the feature set was requested for (its {@code kept()} indexes into them)
     * @param frontEnd the front-end the features were computed with (for mixup)
     */
    public FeatureBatchSource(FeatureSet features, List<Clip> clips, int numClasses, FrontEnd frontEnd, Augment aug) {
        this.features = features;
        this.clips = clips;
        this.kept = features.kept();
        this.numClasses = numClasses;
        this.frontEnd = frontEnd;
        this.aug = aug == null ? Augment.none() : aug;
    }

    @Override
    public int size() {
        return features.size();
    }

    @Override
    public int frames() {
        return features.frames();
    }

    @Override
    public int bins() {
        return features.bins();
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int[] labels(int i) {
        return clip(i).labels();
    }

    public Clip clip(int i) {
        return clips.get(kept[i]);
    }

    @Override
    public Batch batch(int[] indices, boolean augment, SplittableRandom rng) {
        int b = indices.length;
        int t = frames();
        int f = bins();
        int per = t * f;
        float[] x = new float[b * per];
        float[] y = new float[b * numClasses];
        for (int k = 0; k < b; k++) {
            int i = indices[k];
            boolean mixed = false;
            if (augment && aug.mixup() > 0 && rng.nextDouble() < aug.mixup()) {
                int j = rng.nextInt(size());
                double lambda = Mixup.beta(rng, 10, 10);
                // streamed: clips of any length, only the target frames of the mix computed (Mixup.source)
                SampleSource mix = Mixup.source(clip(i).audio().samples(ChannelMode.FIRST),
                        clip(j).audio().samples(ChannelMode.FIRST), lambda, frontEnd.sampleRate());
                float[] fb = frontEnd.compute(mix).data();
                System.arraycopy(fb, 0, x, k * per, per);
                for (int l : labels(i)) y[k * numClasses + l] += (float) lambda;
                for (int l : labels(j)) y[k * numClasses + l] += (float) (1 - lambda);
                mixed = true;
            }
            if (!mixed) {
                features.copy(i, x, k * per);
                for (int l : labels(i)) y[k * numClasses + l] = 1f;
            }
            if (augment) {
                if (aug.warp() != null && aug.warp().enabled()) aug.warp().apply(x, k * per, t, f, rng);
                if (aug.masker() != null) aug.masker().mask(x, k * per, t, f, rng);
                if (aug.noise()) SpeechCommandsNoise.apply(x, k * per, t, f, aug.normStd(), rng);
            }
        }
        return new Batch(x, b, t, f, y, numClasses, indices.clone());
    }
}
