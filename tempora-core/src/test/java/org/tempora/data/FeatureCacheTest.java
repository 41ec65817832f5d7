package org.tempora.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.InvalidInputException;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.Waveform;
import org.tempora.features.FbankOptions;
import org.tempora.features.FrontEnd;
import org.tempora.features.KaldiFbank;
import org.tempora.features.AstInput;

/** The feature cache: same values as a direct computation, reused, invalidated by config changes, skip-bad. */
class FeatureCacheTest {
    @TempDir
    Path dir;

    /** Synthetic clips that count how often their audio is generated. */
    static List<Clip> clips(int n, AtomicInteger loads) {
        List<Clip> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final int k = i;
            out.add(new Clip("c" + i, new AudioSource() {
                @Override
                public Waveform load(ChannelMode channel) {
                    loads.incrementAndGet();
                    return new Waveform(SyntheticDataset.generate(1, k % 10, k, 0.5), 16000, "c" + k);
                }

                @Override
                public String describe() {
                    return "c" + k;
                }

                @Override
                public String fingerprint() {
                    return "c" + k + "|v1";
                }
            }, new int[] {k % 10}));
        }
        return out;
    }

    @Test
    void computesOnceReusesAndInvalidates() throws IOException {
        AtomicInteger loads = new AtomicInteger();
        List<Clip> clips = clips(12, loads);
        FrontEnd fe = new FrontEnd(FbankOptions.ast(16000), ChannelMode.FIRST, 64, Double.NaN, Double.NaN);
        FeatureCache cache = new FeatureCache(dir);
        FeatureSet a = cache.get(clips, fe, 2, false, null);
        assertThat(loads.get()).isEqualTo(12);
        assertThat(a.size()).isEqualTo(12);
        // equal to the front-end computed directly (padded from 48 to 64 frames with zeros)
        float[] direct = AstInput.padOrTruncate(KaldiFbank.of(fe.fbank()).compute(
                AstInput.removeMean(clips.get(5).audio().load())), 64).data();
        assertThat(a.get(5)).containsExactly(direct);
        FeatureSet b = cache.get(clips, fe, 2, false, null);
        assertThat(loads.get()).as("second call is served from the cache").isEqualTo(13);
        assertThat(b.get(11)).containsExactly(a.get(11));
        cache.get(clips, new FrontEnd(FbankOptions.ast(16000).withFrameShiftMs(20), ChannelMode.FIRST, 64, Double.NaN, Double.NaN), 2, false, null);
        assertThat(loads.get()).as("a new frame shift recomputes").isEqualTo(25);
        try (var s = Files.walk(dir)) {
            assertThat(s.filter(p -> p.toString().endsWith(".tmp")).count()).isZero();
        }
    }

    /** A long file and a segment of one: streamed (only the target frames computed), equal to the whole-file path. */
    @Test
    void longClipsAndSegmentsEqualTheWholeFilePath() {
        float[] x = new float[16000 * 30 + 123];
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.3 * Math.sin(i * 0.002 * (1 + i / 40000)) + 0.01);
        Path f = dir.resolve("long.wav");
        org.tempora.audio.WavWriter.write(f, new Waveform(x, 16000, "long"), org.tempora.audio.WavWriter.Encoding.PCM_16);
        List<Clip> clips = List.of(new Clip("long", new FileAudio(f), new int[] {0}),
                new Clip("seg", new FileAudio(f, 200_000, 24_000), new int[] {1}));
        FrontEnd fe = new FrontEnd(FbankOptions.ast(16000), ChannelMode.FIRST, 100, Double.NaN, Double.NaN);
        FeatureSet set = new FeatureCache(dir.resolve("cache")).get(clips, fe, 2, false, null);
        Waveform whole = org.tempora.audio.AudioReader.read(f);
        assertThat(set.get(0)).containsExactly(fe.compute(whole).data());
        float[] seg = java.util.Arrays.copyOfRange(whole.samples(), 200_000, 224_000);
        assertThat(set.get(1)).containsExactly(fe.compute(new Waveform(seg, 16000, "seg")).data());
        // a segment beyond the end is named as before
        assertThatThrownBy(() -> fe.compute(new FileAudio(f, x.length - 100, 1000).samples(ChannelMode.FIRST)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ": segment [" + (x.length - 100) + ", " + (x.length + 900) + ") is outside the file's " + x.length + " samples");
    }

    /** Mixup batches (computed from streams) equal the in-memory mix of the same draws, long clip included. */
    @Test
    void mixupBatchesEqualTheInMemoryMix() {
        float[] x = new float[16000 * 20 + 9];
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.2 * Math.sin(i * 0.004) - 0.02);
        Path f = dir.resolve("long-mix.wav");
        org.tempora.audio.WavWriter.write(f, new Waveform(x, 16000, "long"), org.tempora.audio.WavWriter.Encoding.PCM_16);
        List<Clip> clips = new ArrayList<>(clips(3, new AtomicInteger()));
        clips.add(new Clip("long", new FileAudio(f), new int[] {3}));
        FrontEnd fe = new FrontEnd(FbankOptions.ast(16000), ChannelMode.FIRST, 64, Double.NaN, Double.NaN);
        FeatureSet set = new FeatureCache(dir.resolve("mix-cache")).get(clips, fe, 2, false, null);
        FeatureBatchSource src = new FeatureBatchSource(set, clips, 10, fe, new FeatureBatchSource.Augment(null, 1.0, false, 1, null));
        int[] idx = {3, 0, 1, 2, 3};
        Batch b = src.batch(idx, true, new java.util.SplittableRandom(7));
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        for (int k = 0; k < idx.length; k++) {
            assertThat(rng.nextDouble()).isLessThan(1.0);
            int j = rng.nextInt(clips.size());
            double lambda = org.tempora.augment.Mixup.beta(rng, 10, 10);
            float[] mix = org.tempora.augment.Mixup.mix(clips.get(idx[k]).audio().load().samples(), clips.get(j).audio().load().samples(), lambda);
            float[] want = fe.compute(new Waveform(mix, 16000, "mix")).data();
            assertThat(java.util.Arrays.copyOfRange(b.x(), k * want.length, (k + 1) * want.length)).as("item %d", k).containsExactly(want);
        }
    }

    @Test
    void badAudioFailsOrIsSkipped() {
        List<Clip> clips = new ArrayList<>(clips(4, new AtomicInteger()));
        clips.add(2, new Clip("bad", new FileAudio(dir.resolve("gone.wav")), new int[] {0}));
        FrontEnd fe = new FrontEnd(FbankOptions.ast(16000), ChannelMode.FIRST, 64, Double.NaN, Double.NaN);
        FeatureCache cache = new FeatureCache(dir.resolve("c"));
        assertThatThrownBy(() -> cache.get(clips, fe, 2, false, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(dir.resolve("gone.wav") + ": file not found (use --skip-bad to skip such entries)");
        FeatureSet s = cache.get(clips, fe, 2, true, null);
        assertThat(s.size()).isEqualTo(4);
        assertThat(s.kept()).containsExactly(0, 1, 3, 4);
        assertThat(s.skipped()).containsExactly(dir.resolve("gone.wav") + ": file not found");
        FeatureSet again = cache.get(clips, fe, 2, true, null);
        assertThat(again.get(2)).containsExactly(s.get(2));
    }
}
