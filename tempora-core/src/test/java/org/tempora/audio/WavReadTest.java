package org.tempora.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tempora.audio.TestWavs.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.io.Npy;

/** Round trips through every WAV encoding the reader supports, compared value for value. */
class WavReadTest {
    @TempDir
    Path dir;

    private final Random rnd = new Random(42);

    private int[][] randomInts(int channels, int frames, int bits) {
        int[][] x = new int[channels][frames];
        long lo = -(1L << (bits - 1));
        long span = 1L << bits;
        for (int[] ch : x) {
            for (int i = 0; i < frames; i++) ch[i] = (int) (lo + (long) (rnd.nextDouble() * span));
            ch[0] = (int) lo; // the extremes must survive too
            ch[1] = (int) (lo + span - 1);
        }
        return x;
    }

    @Test
    void pcm8IsUnsignedAndScaledLikeTorchaudio() {
        int[][] raw = new int[1][256];
        for (int i = 0; i < 256; i++) raw[0][i] = i;
        Path p = write(dir, "u8.wav", riff(chunk("fmt ", fmt(PCM, 1, 8000, 8)), chunk("data", intData(raw, 1))));
        Waveform w = AudioReader.read(p);
        assertThat(w.length()).isEqualTo(256);
        for (int i = 0; i < 256; i++) assertThat(w.samples()[i]).isEqualTo((i - 128) / 128f);
        assertThat(w.samples()[0]).isEqualTo(-1f);
        assertThat(w.samples()[255]).isEqualTo(127 / 128f);
        assertThat(w.sampleRate()).isEqualTo(8000);
    }

    @Test
    void pcm16MonoMatchesDivisionBy32768() {
        int[][] x = randomInts(1, 5000, 16);
        Path p = write(dir, "s16.wav", riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", intData(x, 2))));
        float[] got = AudioReader.read(p).samples();
        for (int i = 0; i < x[0].length; i++) assertThat(got[i]).isEqualTo(x[0][i] / 32768f);
        assertThat(got[0]).isEqualTo(-1f);
        assertThat(got[1]).isEqualTo(32767 / 32768f);
    }

    @Test
    void pcm24IsSignExtendedAndScaledBy2To23() {
        int[][] x = randomInts(1, 5000, 24);
        Path p = write(dir, "s24.wav", riff(chunk("fmt ", fmt(PCM, 1, 48000, 24)), chunk("data", intData(x, 3))));
        float[] got = AudioReader.read(p).samples();
        for (int i = 0; i < x[0].length; i++) assertThat(got[i]).isEqualTo(x[0][i] / 8388608f);
        assertThat(got[0]).isEqualTo(-1f);
    }

    @Test
    void pcm32IsScaledBy2To31() {
        int[][] x = randomInts(1, 5000, 32);
        Path p = write(dir, "s32.wav", riff(chunk("fmt ", fmt(PCM, 1, 44100, 32)), chunk("data", intData(x, 4))));
        float[] got = AudioReader.read(p).samples();
        for (int i = 0; i < x[0].length; i++) assertThat(got[i]).isEqualTo((float) (x[0][i] / 2147483648.0));
        assertThat(got[0]).isEqualTo(-1f);
    }

    @Test
    void float32IsReturnedAsStored() {
        float[][] x = new float[1][3000];
        for (int i = 0; i < x[0].length; i++) x[0][i] = (float) (rnd.nextGaussian() * 0.7);
        x[0][5] = 1.75f; // floats are not clipped
        x[0][6] = Float.MIN_VALUE;
        Path p = write(dir, "f32.wav", riff(chunk("fmt ", fmt(FLOAT, 1, 22050, 32)),
                chunk("fact", le(4).putInt(3000).array()), chunk("data", floatData(x))));
        FloatArrays.assertBitExact(AudioReader.read(p).samples(), x[0]);
    }

    @Test
    void float64IsRoundedToFloat32() {
        double[][] x = new double[1][3000];
        for (int i = 0; i < x[0].length; i++) x[0][i] = rnd.nextGaussian() * 0.3;
        Path p = write(dir, "f64.wav", riff(chunk("fmt ", fmt(FLOAT, 1, 16000, 64)), chunk("data", doubleData(x))));
        float[] got = AudioReader.read(p).samples();
        for (int i = 0; i < x[0].length; i++) assertThat(got[i]).isEqualTo((float) x[0][i]);
        assertThat(AudioReader.info(p).encoding()).isEqualTo("IEEE float 64-bit");
    }

    @Test
    void extensiblePcm24In32ContainerHonoursValidBits() {
        int[][] v = randomInts(2, 2000, 24);
        int[][] stored = new int[2][2000];
        for (int c = 0; c < 2; c++) for (int i = 0; i < 2000; i++) stored[c][i] = v[c][i] << 8; // left-justified
        Path p = write(dir, "ext24in32.wav", riff(chunk("fmt ", fmtExtensible(PCM, 2, 48000, 32, 24)),
                chunk("data", intData(stored, 4))));
        AudioInfo info = AudioReader.info(p);
        assertThat(info.encoding()).isEqualTo("PCM signed 32-bit (24 valid bits)");
        assertThat(info.bitsPerSample()).isEqualTo(32);
        float[] ch1 = AudioReader.read(p, ChannelMode.channel(1)).samples();
        for (int i = 0; i < 2000; i++) assertThat(ch1[i]).isEqualTo(v[1][i] / 8388608f);
    }

    @Test
    void extensiblePcm16AndFloat32() {
        int[][] x = randomInts(1, 1000, 16);
        Path p16 = write(dir, "ext16.wav", riff(chunk("fmt ", fmtExtensible(PCM, 1, 16000, 16, 16)),
                chunk("data", intData(x, 2))));
        float[] got = AudioReader.read(p16).samples();
        for (int i = 0; i < 1000; i++) assertThat(got[i]).isEqualTo(x[0][i] / 32768f);

        float[][] f = new float[1][1000];
        for (int i = 0; i < 1000; i++) f[0][i] = rnd.nextFloat() - 0.5f;
        Path pf = write(dir, "extf.wav", riff(chunk("fmt ", fmtExtensible(FLOAT, 1, 16000, 32, 32)),
                chunk("data", floatData(f))));
        FloatArrays.assertBitExact(AudioReader.read(pf).samples(), f[0]);
        assertThat(AudioReader.info(pf).encoding()).isEqualTo("IEEE float 32-bit");
    }

    @Test
    void stereoChannelModes() {
        int[][] x = randomInts(2, 4000, 16);
        Path p = write(dir, "st.wav", riff(chunk("fmt ", fmt(PCM, 2, 16000, 16)), chunk("data", intData(x, 2))));
        float[] first = AudioReader.read(p).samples();
        float[] second = AudioReader.read(p, ChannelMode.channel(1)).samples();
        float[] mix = AudioReader.read(p, ChannelMode.MIX).samples();
        for (int i = 0; i < 4000; i++) {
            assertThat(first[i]).isEqualTo(x[0][i] / 32768f);
            assertThat(second[i]).isEqualTo(x[1][i] / 32768f);
            assertThat(mix[i]).isEqualTo((x[0][i] + x[1][i]) / 65536f); // exact in float for 16-bit sources
        }
        FloatArrays.assertBitExact(AudioReader.read(p, ChannelMode.channel(0)).samples(), first);
    }

    @Test
    void sixChannelsEveryModeEveryEncoding() {
        int frames = 1500;
        int[][] x = randomInts(6, frames, 24);
        Path p24 = write(dir, "six24.wav", riff(chunk("fmt ", fmt(PCM, 6, 48000, 24)), chunk("data", intData(x, 3))));
        for (int k = 0; k < 6; k++) {
            float[] got = AudioReader.read(p24, ChannelMode.channel(k)).samples();
            for (int i = 0; i < frames; i++) assertThat(got[i]).isEqualTo(x[k][i] / 8388608f);
        }
        float[] mix = AudioReader.read(p24, ChannelMode.MIX).samples();
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            for (int k = 0; k < 6; k++) sum += x[k][i] / 8388608.0;
            assertThat(mix[i]).isEqualTo((float) (sum / 6));
        }

        // the same through WavWriter, which writes >2 channels as WAVE_FORMAT_EXTENSIBLE
        float[][] f = new float[6][frames];
        for (int k = 0; k < 6; k++) for (int i = 0; i < frames; i++) f[k][i] = (float) (0.1 * k + 0.01 * rnd.nextGaussian());
        Path pf = dir.resolve("six_f32.wav");
        WavWriter.write(pf, f, 16000, WavWriter.Encoding.FLOAT_32);
        assertThat(AudioReader.info(pf).channels()).isEqualTo(6);
        FloatArrays.assertBitExact(AudioReader.read(pf, ChannelMode.channel(5)).samples(), f[5]);
        FloatArrays.assertBitExact(AudioReader.read(pf, ChannelMode.FIRST).samples(), f[0]);
        float[] fmix = AudioReader.read(pf, ChannelMode.MIX).samples();
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            for (int k = 0; k < 6; k++) sum += f[k][i];
            assertThat(fmix[i]).isEqualTo((float) (sum / 6));
        }
    }

    @Test
    void wavWriterPcm16RoundTripIsBitExactOnTheGrid() throws IOException {
        float[] x = new float[2000];
        for (int i = 0; i < x.length; i++) x[i] = (rnd.nextInt(65536) - 32768) / 32768f;
        Path p = dir.resolve("w16.wav");
        WavWriter.write(p, new Waveform(x, 16000, "test"), WavWriter.Encoding.PCM_16);
        Waveform back = AudioReader.read(p);
        FloatArrays.assertBitExact(back.samples(), x);
        assertThat(back.sampleRate()).isEqualTo(16000);
        AudioInfo info = AudioReader.info(p);
        assertThat(info.encoding()).isEqualTo("PCM signed 16-bit");
        assertThat(Files.size(p)).isEqualTo(44 + 2L * x.length); // the canonical 44-byte header
    }

    @Test
    void wavWriterPcm16ClipsAndRounds() {
        float[] x = {1.5f, -2f, 0.25f + 0.4f / 32768, 1f};
        Path p = dir.resolve("clip.wav");
        WavWriter.write(p, new Waveform(x, 8000, "t"), WavWriter.Encoding.PCM_16);
        assertThat(AudioReader.read(p).samples()).containsExactly(32767 / 32768f, -1f, 0.25f, 32767 / 32768f);
    }

    @Test
    void wavWriterStereoFloat32() {
        float[][] x = {{0.5f, -0.25f, 3f}, {0.125f, 0f, -1f}};
        Path p = dir.resolve("st_f32.wav");
        WavWriter.write(p, x, 44100, WavWriter.Encoding.FLOAT_32);
        AudioInfo info = AudioReader.info(p);
        assertThat(info.encoding()).isEqualTo("IEEE float 32-bit");
        assertThat(info.channels()).isEqualTo(2);
        assertThat(AudioReader.read(p, ChannelMode.channel(1)).samples()).containsExactly(x[1]);
        assertThat(AudioReader.read(p, ChannelMode.MIX).samples()).containsExactly(0.3125f, -0.125f, 1f);
    }

    @Test
    void unknownChunksBeforeFmtAndOddSizedPaddingAreSkipped() {
        byte[] list = concat(ascii("INFOISFT"), le(4).putInt(5).array(), ascii("tool\0"));
        int[][] x = randomInts(1, 101, 16);
        Path p = write(dir, "odd.wav", riff(
                chunk("LIST", list),                                  // 17 bytes: odd, padded
                chunk("junk", new byte[] {1, 2, 3}),                   // odd again
                chunk("fmt ", fmt(PCM, 1, 16000, 16)),
                chunk("fact", le(4).putInt(101).array()),
                chunk("data", intData(x, 2)),                          // 202 bytes
                chunk("id3 ", new byte[] {9, 9, 9})));                 // after data: never read
        float[] got = AudioReader.read(p).samples();
        assertThat(got).hasSize(101);
        for (int i = 0; i < 101; i++) assertThat(got[i]).isEqualTo(x[0][i] / 32768f);
    }

    @Test
    void oddSizedUnknownChunkIsFollowedByItsPadByte() {
        // if the pad byte were not skipped the next chunk id would be read as "\0fmt" and fmt never found
        byte[] odd = chunk("abcd", new byte[] {7});
        assertThat(odd).hasSize(10);
        Path p = write(dir, "pad.wav", riff(odd, chunk("fmt ", fmt(PCM, 1, 16000, 16)),
                chunk("data", intData(new int[][] {{100, -100}}, 2))));
        assertThat(AudioReader.read(p).samples()).containsExactly(100 / 32768f, -100 / 32768f);
    }

    @Test
    void dataChunkBeforeFmtIsFound() {
        Path p = write(dir, "datafirst.wav", riff(chunk("data", intData(new int[][] {{1, 2, 3}}, 2)),
                chunk("fmt ", fmt(PCM, 1, 16000, 16))));
        assertThat(AudioReader.read(p).samples()).containsExactly(1 / 32768f, 2 / 32768f, 3 / 32768f);
    }

    @Test
    void streamingPlaceholderSizeMeansToEndOfFile() {
        byte[] data = intData(new int[][] {{5, 6, 7, 8}}, 2);
        byte[] file = riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", 0xFFFFFFFFL, data));
        Path p = write(dir, "stream.wav", file);
        assertThat(AudioReader.info(p).frames()).isEqualTo(4);
        assertThat(AudioReader.read(p).samples()).containsExactly(5 / 32768f, 6 / 32768f, 7 / 32768f, 8 / 32768f);
    }

    @Test
    void trailingPartialFrameIsIgnored() {
        byte[] data = concat(intData(new int[][] {{10, 20}, {30, 40}}, 2), new byte[] {1, 2}); // 1.5 stereo frames extra
        Path p = write(dir, "partial.wav", riff(chunk("fmt ", fmt(PCM, 2, 16000, 16)), chunk("data", data)));
        assertThat(AudioReader.info(p).frames()).isEqualTo(2);
        assertThat(AudioReader.read(p, ChannelMode.channel(1)).samples()).containsExactly(30 / 32768f, 40 / 32768f);
    }

    @Test
    void infoDescribesTheHeaderWithoutDecoding() {
        int[][] x = randomInts(2, 24000, 24);
        Path p = write(dir, "info.wav", riff(chunk("LIST", new byte[30]), chunk("fmt ", fmt(PCM, 2, 48000, 24)),
                chunk("data", intData(x, 3))));
        AudioInfo info = AudioReader.info(p);
        assertThat(info).isEqualTo(new AudioInfo("WAV", "PCM signed 24-bit", 48000, 2, 24, 24000, 0.5, p.toString()));

        Path u8 = write(dir, "u8.wav", riff(chunk("fmt ", fmt(PCM, 1, 11025, 8)), chunk("data", new byte[11025 * 2])));
        AudioInfo i8 = AudioReader.info(u8);
        assertThat(i8.encoding()).isEqualTo("PCM unsigned 8-bit");
        assertThat(i8.bitsPerSample()).isEqualTo(8);
        assertThat(i8.durationSeconds()).isEqualTo(2.0);
    }

    @Test
    void formatIsDetectedByContentNotByExtension() {
        Path p = write(dir, "actually_a_wav.flac", pcm16Mono((short) 1234));
        assertThat(AudioReader.info(p).format()).isEqualTo("WAV");
        assertThat(AudioReader.read(p).samples()).containsExactly(1234 / 32768f);
    }

    @Test
    void streamingReadInSmallBlocksEqualsWholeRead() {
        int frames = 1_500_000; // 9 MB of stereo 24-bit: many 64 KiB decode blocks
        int[][] x = randomInts(2, frames, 24);
        Path p = write(dir, "long.wav", riff(chunk("fmt ", fmt(PCM, 2, 48000, 24)), chunk("data", intData(x, 3))));
        float[] whole = AudioReader.read(p, ChannelMode.MIX).samples();
        assertThat(whole).hasSize(frames);

        float[] streamed = new float[frames];
        float[] block = new float[997]; // deliberately not a divisor of the decode block
        int n = 0;
        int calls = 0;
        try (AudioStream s = AudioReader.open(p, ChannelMode.MIX)) {
            assertThat(s.info().frames()).isEqualTo(frames);
            int got;
            while ((got = s.read(block, 0, block.length)) >= 0) {
                assertThat(got).isPositive();
                System.arraycopy(block, 0, streamed, n, got);
                n += got;
                calls++;
            }
            assertThat(s.read(block, 0, 10)).isEqualTo(-1);
        }
        assertThat(n).isEqualTo(frames);
        assertThat(calls).isGreaterThanOrEqualTo(frames / 997);
        FloatArrays.assertBitExact(streamed, whole);
        double expected = (x[0][777_777] + (double) x[1][777_777]) / 8388608.0 / 2;
        assertThat(whole[777_777]).isEqualTo((float) expected);
    }

    @Test
    void skipMovesForwardAndStopsAtTheEnd() {
        int[][] x = randomInts(1, 70_000, 16);
        Path p = write(dir, "skip.wav", riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", intData(x, 2))));
        try (AudioStream s = AudioReader.open(p, ChannelMode.FIRST)) {
            assertThat(s.skip(65_000)).isEqualTo(65_000);
            float[] b = new float[3];
            assertThat(s.read(b, 0, 3)).isEqualTo(3);
            assertThat(b).containsExactly(x[0][65_000] / 32768f, x[0][65_001] / 32768f, x[0][65_002] / 32768f);
            assertThat(s.skip(10_000)).isEqualTo(70_000 - 65_003);
            assertThat(s.read(b, 0, 3)).isEqualTo(-1);
        }
    }

    @Test
    void realFixtureEqualsItsNpyBitForBit() throws IOException {
        Path wav = dir.resolve("chirp.wav");
        Path npy = dir.resolve("chirp.npy");
        copyResource("/audio/chirp_noise_1s.wav", wav);
        copyResource("/audio/chirp_noise_1s_waveform.npy", npy);
        Waveform w = AudioReader.read(wav);
        Npy.Array expected = Npy.read(npy);
        assertThat(expected.shape()).containsExactly(16000);
        assertThat(w.sampleRate()).isEqualTo(16000);
        FloatArrays.assertBitExact(w.samples(), expected.f32());
        AudioInfo info = AudioReader.info(wav);
        assertThat(info.encoding()).isEqualTo("PCM signed 16-bit");
        assertThat(info.frames()).isEqualTo(16000);
        assertThat(info.durationSeconds()).isEqualTo(1.0);
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = WavReadTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            Files.copy(in, to);
        }
    }
}
