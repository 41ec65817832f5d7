package org.tempora.augment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.audio.AudioReader;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.Resampler;
import org.tempora.audio.SampleSource;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.features.FrontEnd;

/** The streamed mixup gives bit for bit the features of the in-memory one, resampled or not, longer or shorter. */
class MixupTest {
    @TempDir
    Path dir;

    Path wav(String name, int n, int rate, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (0.2 * Math.sin(i * 0.013 * seed) + 0.05 * r.nextGaussian() + 0.01 * seed);
        Path f = dir.resolve(name);
        WavWriter.write(f, new Waveform(x, rate, name), WavWriter.Encoding.PCM_16);
        return f;
    }

    @Test
    void streamedMixEqualsTheInMemoryMix() {
        FrontEnd fe = FrontEnd.ast(100, -6.845978, 5.5654526);
        Path a = wav("a.wav", 16000 * 3 + 7, 16000, 1);
        Path b = wav("b.wav", 16000 + 3, 16000, 2);
        Path c = wav("c.wav", 44100 * 2 + 1, 44100, 3);
        Path[][] pairs = {{a, b}, {b, a}, {a, c}, {c, a}};
        for (Path[] p : pairs) {
            Waveform w1 = Resampler.resample(AudioReader.read(p[0]), 16000);
            Waveform w2 = Resampler.resample(AudioReader.read(p[1]), 16000);
            float[] mix = Mixup.mix(w1.samples(), w2.samples(), 0.37);
            float[] want = fe.compute(new Waveform(mix, 16000, p[0].toString())).data();
            for (int memory : new int[] {0, 20_000, 1 << 21}) { // streamed, one of the two kept, both kept
                SampleSource s = Mixup.source(SampleSource.file(p[0], ChannelMode.FIRST), SampleSource.file(p[1], ChannelMode.FIRST), 0.37, 16000, memory);
                assertThat(s.name()).isEqualTo(p[0].toString());
                assertThat(fe.compute(s).data()).as("%s + %s, %d", p[0].getFileName(), p[1].getFileName(), memory).containsExactly(want);
            }
            // the stream itself, before the fbank
            SampleSource raw = Mixup.source(SampleSource.file(p[0], ChannelMode.FIRST), SampleSource.file(p[1], ChannelMode.FIRST), 0.37, 16000, 0);
            float[] got = new float[mix.length + 1]; // one spare slot: a stream that gives too much is caught
            try (var st = raw.open()) {
                int n = 0;
                for (int g; (g = st.read(got, n, Math.min(777, got.length - n))) >= 0; ) n += g;
                assertThat(n).isEqualTo(mix.length);
            }
            assertThat(java.util.Arrays.copyOf(got, mix.length)).containsExactly(mix);
        }
    }
}
