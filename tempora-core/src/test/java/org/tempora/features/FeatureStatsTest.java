package org.tempora.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.audio.AudioReader;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;

/**
 * Dataset statistics from streamed features: a file that fits in one chunk gives exactly the two-pass numbers over
 * its whole spectrogram; a file spread over many chunks gives them to rounding; padding to the target frames counts.
 */
class FeatureStatsTest {
    @TempDir
    Path dir;

    static Path wav(Path dir, String name, double seconds, long seed) {
        Random r = new Random(seed);
        float[] x = new float[(int) (seconds * 16000)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.2 * Math.sin(i * 0.01 * (1 + seed)) + 0.03 * r.nextGaussian());
        Path f = dir.resolve(name);
        WavWriter.write(f, new Waveform(x, 16000, name), WavWriter.Encoding.PCM_16);
        return f;
    }

    /** The two-pass mean and M2 over all cells of the whole spectrogram (the computation before streaming). */
    static double[] wholeTwoPass(FrontEnd fe, Path f) {
        float[] x = fe.compute(AudioReader.read(f)).data();
        double sum = 0;
        for (float v : x) sum += v;
        double mean = sum / x.length;
        double m2 = 0;
        for (float v : x) {
            double d = v - mean;
            m2 += d * d;
        }
        return new double[] {x.length, mean, m2};
    }

    @Test
    void oneChunkIsExactManyChunksAgreeToRounding() {
        Path f = wav(dir, "a.wav", 3.3, 1);
        for (int target : new int[] {0, 100, 1000}) {
            FrontEnd fe = FrontEnd.ast(target, Double.NaN, Double.NaN);
            double[] want = wholeTwoPass(fe, f);
            FeatureStats.Partial one = FeatureStats.partial(fe, f);
            assertThat(one.n()).isEqualTo((long) want[0]);
            assertThat(one.mean()).isEqualTo(want[1]);
            assertThat(one.m2()).isEqualTo(want[2]);
            assertThat(one.frames()).isEqualTo(target > 0 ? target : 328);
            for (int chunk : new int[] {128 * 7, 1000, 128 * 100}) {
                FeatureStats.Partial many = FeatureStats.partial(fe, f, chunk);
                assertThat(many.n()).isEqualTo((long) want[0]);
                assertThat(many.mean()).isCloseTo(want[1], within(1e-12 * Math.abs(want[1])));
                assertThat(many.m2()).isCloseTo(want[2], within(1e-10 * want[2]));
            }
        }
    }

    @Test
    void filesMergeInOrderWhateverTheThreads() {
        List<Path> files = List.of(wav(dir, "a.wav", 1.0, 1), wav(dir, "b.wav", 2.5, 2), wav(dir, "c.wav", 0.5, 3));
        FrontEnd fe = FrontEnd.ast(0, Double.NaN, Double.NaN);
        FeatureStats.Result one = FeatureStats.compute(files, fe, 1, false, null);
        FeatureStats.Result three = FeatureStats.compute(files, fe, 3, false, null);
        assertThat(three).isEqualTo(one);
        long cells = 0;
        for (Path f : files) cells += (long) wholeTwoPass(fe, f)[0];
        assertThat(one.cells()).isEqualTo(cells);
        assertThat(one.files()).isEqualTo(3);
    }
}
