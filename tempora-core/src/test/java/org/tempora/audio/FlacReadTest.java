package org.tempora.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import net.sourceforge.javaflacencoder.FLACEncoder;
import net.sourceforge.javaflacencoder.FLACFileOutputStream;
import net.sourceforge.javaflacencoder.StreamConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;

/** FLAC files encoded here with java-flac-encoder and decoded by AudioReader must give back the exact PCM. */
class FlacReadTest {
    @TempDir
    Path dir;

    /** Encodes {@code pcm[channel][frame]} as a FLAC file. */
    static Path encode(Path file, int[][] pcm, int rate, int bits) throws IOException {
        int channels = pcm.length;
        int frames = pcm[0].length;
        StreamConfiguration sc = new StreamConfiguration();
        sc.setChannelCount(channels);
        sc.setSampleRate(rate);
        sc.setBitsPerSample(bits);
        sc.setMinBlockSize(4096);
        sc.setMaxBlockSize(4096);
        FLACEncoder enc = new FLACEncoder();
        assertThat(enc.setStreamConfiguration(sc)).isTrue();
        FLACFileOutputStream out = new FLACFileOutputStream(file.toFile());
        enc.setOutputStream(out);
        enc.openFLACStream();
        int[] interleaved = new int[frames * channels];
        for (int i = 0; i < frames; i++) {
            for (int c = 0; c < channels; c++) interleaved[i * channels + c] = pcm[c][i];
        }
        enc.addSamples(interleaved, frames);
        enc.encodeSamples(frames, true);
        out.close();
        return file;
    }

    /** A tone plus noise plus a silent stretch, so LPC, fixed and constant subframes all occur. */
    static int[][] signal(int channels, int frames, int bits, long seed) {
        Random rnd = new Random(seed);
        double full = (1 << (bits - 1)) - 1;
        int[][] x = new int[channels][frames];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < frames; i++) {
                double v = 0.6 * Math.sin(2 * Math.PI * (220 + 110 * c) * i / 16000.0) + 0.1 * rnd.nextGaussian();
                if (i > frames / 2 && i < frames / 2 + 5000) v = 0;
                x[c][i] = (int) Math.round(Math.max(-1, Math.min(1, v)) * full);
            }
            x[c][0] = -(1 << (bits - 1)); // full-scale extremes
            x[c][1] = (1 << (bits - 1)) - 1;
        }
        return x;
    }

    private static float[] scaled(int[] pcm, int bits) {
        float[] f = new float[pcm.length];
        for (int i = 0; i < pcm.length; i++) f[i] = (float) (pcm[i] / (double) (1L << (bits - 1)));
        return f;
    }

    @Test
    void mono16BitIsBitExact() throws IOException {
        int[][] x = signal(1, 40_000, 16, 1);
        Path p = encode(dir.resolve("m16.flac"), x, 16000, 16);
        Waveform w = AudioReader.read(p);
        assertThat(w.sampleRate()).isEqualTo(16000);
        FloatArrays.assertBitExact(w.samples(), scaled(x[0], 16));
        assertThat(w.samples()[0]).isEqualTo(-1f);
    }

    @Test
    void stereo16BitEveryChannelMode() throws IOException {
        int[][] x = signal(2, 30_000, 16, 2);
        Path p = encode(dir.resolve("s16.flac"), x, 44100, 16);
        FloatArrays.assertBitExact(AudioReader.read(p).samples(), scaled(x[0], 16));
        FloatArrays.assertBitExact(AudioReader.read(p, ChannelMode.channel(1)).samples(), scaled(x[1], 16));
        float[] mix = AudioReader.read(p, ChannelMode.MIX).samples();
        float[] expected = new float[x[0].length];
        for (int i = 0; i < expected.length; i++) expected[i] = (x[0][i] + x[1][i]) / 65536f;
        FloatArrays.assertBitExact(mix, expected);
    }

    @Test
    void mono24BitIsBitExact() throws IOException {
        int[][] x = signal(1, 20_000, 24, 3);
        Path p = encode(dir.resolve("m24.flac"), x, 48000, 24);
        FloatArrays.assertBitExact(AudioReader.read(p).samples(), scaled(x[0], 24));
    }

    @Test
    void stereo24BitIsBitExact() throws IOException {
        int[][] x = signal(2, 20_000, 24, 4);
        Path p = encode(dir.resolve("s24.flac"), x, 96000, 24);
        FloatArrays.assertBitExact(AudioReader.read(p, ChannelMode.channel(0)).samples(), scaled(x[0], 24));
        FloatArrays.assertBitExact(AudioReader.read(p, ChannelMode.channel(1)).samples(), scaled(x[1], 24));
    }

    @Test
    void infoComesFromStreamInfo() throws IOException {
        int[][] x = signal(2, 22_050, 24, 5);
        Path p = encode(dir.resolve("info.flac"), x, 22050, 24);
        assertThat(AudioReader.info(p))
                .isEqualTo(new AudioInfo("FLAC", "FLAC 24-bit", 22050, 2, 24, 22_050, 1.0, p.toString()));
    }

    @Test
    void streamingInSmallBlocksAndSkipMatchWholeRead() throws IOException {
        int[][] x = signal(2, 100_000, 16, 6);
        Path p = encode(dir.resolve("long.flac"), x, 16000, 16);
        float[] whole = AudioReader.read(p, ChannelMode.MIX).samples();
        float[] streamed = new float[whole.length];
        int n = 0;
        try (AudioStream s = AudioReader.open(p, ChannelMode.MIX)) {
            float[] block = new float[333];
            int got;
            while ((got = s.read(block, 0, block.length)) > 0) {
                System.arraycopy(block, 0, streamed, n, got);
                n += got;
            }
            assertThat(got).isEqualTo(-1);
        }
        assertThat(n).isEqualTo(100_000);
        FloatArrays.assertBitExact(streamed, whole);

        try (AudioStream s = AudioReader.open(p, ChannelMode.channel(1))) {
            assertThat(s.skip(50_001)).isEqualTo(50_001); // lands inside a frame
            float[] b = new float[2];
            assertThat(s.read(b, 0, 2)).isEqualTo(2);
            assertThat(b).containsExactly(x[1][50_001] / 32768f, x[1][50_002] / 32768f);
            assertThat(s.skip(1_000_000)).isEqualTo(100_000 - 50_003);
            assertThat(s.read(b, 0, 2)).isEqualTo(-1);
        }
    }

    @Test
    void id3v2TagBeforeTheFlacMagicIsSkipped() throws IOException {
        int[][] x = signal(1, 8000, 16, 13);
        byte[] flac = Files.readAllBytes(encode(dir.resolve("plain.flac"), x, 16000, 16));
        byte[] tagBody = new byte[200]; // syncsafe size 200 = 0x01 0x48
        byte[] id3 = TestWavs.concat(TestWavs.ascii("ID3"), new byte[] {4, 0, 0, 0, 0, 1, 0x48}, tagBody);
        Path tagged = TestWavs.write(dir, "tagged.flac", TestWavs.concat(id3, flac));
        assertThat(AudioReader.info(tagged).frames()).isEqualTo(8000);
        FloatArrays.assertBitExact(AudioReader.read(tagged).samples(), scaled(x[0], 16));
    }

    @Test
    void truncatedFlacIsReported() throws IOException {
        Path p = encode(dir.resolve("full.flac"), signal(1, 40_000, 16, 7), 16000, 16);
        byte[] bytes = Files.readAllBytes(p);
        Path cut = TestWavs.write(dir, "cut.flac", Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> AudioReader.read(cut))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(cut + ": ")
                .hasMessageContaining("truncated FLAC stream: it ends after")
                .hasMessageContaining("of 40000 samples");
    }

    @Test
    void corruptFrameFailsTheCrcCheck() throws IOException {
        Path p = encode(dir.resolve("ok.flac"), signal(1, 40_000, 16, 8), 16000, 16);
        byte[] bytes = Files.readAllBytes(p);
        bytes[bytes.length - 2000] ^= 0x10; // inside the audio of a late frame
        Path bad = TestWavs.write(dir, "bad.flac", bytes);
        assertThatThrownBy(() -> AudioReader.read(bad))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(bad + ": corrupt FLAC stream (frame CRC mismatch after sample ");
    }

    @Test
    void corruptFramesAreNamedInPlainWords() throws IOException {
        byte[] good = Files.readAllBytes(encode(dir.resolve("plainwords.flac"), signal(2, 6000, 16, 21), 16000, 16));
        Path bad = dir.resolve("damaged.flac");
        java.util.Set<String> problems = new java.util.TreeSet<>();
        // every byte of the first frames' headers and subframes, xor-ed with a few masks: jflac reports CRC errors,
        // lost sync, bad headers, non-zero padding and out-of-range reads; none of its class names may reach the user
        for (int pos = 42; pos < Math.min(good.length, 42 + 400); pos++) {
            for (int mask : new int[] {0x01, 0x10, 0x80, 0xFF}) {
                byte[] b = good.clone();
                b[pos] ^= (byte) mask;
                Files.write(bad, b);
                try {
                    AudioReader.read(bad, ChannelMode.MIX);
                } catch (InvalidInputException e) {
                    assertThat(e.getMessage()).startsWith(bad + ": ").doesNotContain("\n")
                            .doesNotContainPattern(AudioFuzzTest.JAVA_NAME);
                    problems.add(e.problem().replaceAll("\\d+", "N"));
                }
            }
        }
        assertThat(problems).anyMatch(p -> p.startsWith("corrupt FLAC stream ("));
    }

    @Test
    void unsupportedFlacBitDepthIsNamed() throws IOException {
        Path p = encode(dir.resolve("m16.flac"), signal(1, 5000, 16, 9), 16000, 16);
        byte[] bytes = Files.readAllBytes(p);
        // STREAMINFO starts at 8; bits-per-sample-1 (5 bits) straddles bytes 8+12 and 8+13
        int bpsMinus1 = 31;
        bytes[20] = (byte) ((bytes[20] & 0xFE) | (bpsMinus1 >> 4));
        bytes[21] = (byte) ((bytes[21] & 0x0F) | ((bpsMinus1 & 0xF) << 4));
        Path p32 = TestWavs.write(dir, "claims32.flac", bytes);
        assertThatThrownBy(() -> AudioReader.info(p32))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(p32 + ": unsupported FLAC bit depth 32 (supported: 4 to 24)");
    }

    @Test
    void missingChannelIsAConfigError() throws IOException {
        Path p = encode(dir.resolve("st.flac"), signal(2, 5000, 16, 10), 16000, 16);
        assertThatThrownBy(() -> AudioReader.read(p, ChannelMode.channel(2)))
                .isInstanceOf(ConfigException.class)
                .hasMessage(p + ": channel 2 requested but the file has 2 channels");
    }

    @Test
    void escapeCodedResidualDecodesAndJflacsDebugPrintStaysOffStdout() {
        short[] pcm = new short[64];
        for (int i = 0; i < pcm.length; i++) pcm[i] = (short) (i * 1000 - 31000);
        pcm[5] = Short.MIN_VALUE;
        Path p = TestWavs.write(dir, "escape.flac", escapeCodedFlac(pcm));
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Waveform w;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            w = AudioReader.read(p);
            System.out.println("application output still passes"); // the guard forwards everything else
        } finally {
            System.setOut(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEqualTo("application output still passes"
                + System.lineSeparator());
        float[] expected = new float[pcm.length];
        for (int i = 0; i < pcm.length; i++) expected[i] = pcm[i] / 32768f;
        assertThat(w.samples()).containsExactly(expected);
    }

    /**
     * A one-frame mono 16-bit FLAC whose only subframe is FIXED order 0 with an escape-coded residual partition
     * (Rice parameter 15: samples stored raw). Built bit by bit from the format spec; java-flac-encoder never
     * writes escape partitions.
     */
    static byte[] escapeCodedFlac(short[] pcm) {
        int n = pcm.length;
        Bits si = new Bits();
        si.put(n, 16).put(n, 16).put(0, 24).put(0, 24);
        si.put(16000, 20).put(0, 3).put(15, 5).put(0, 4).put(n, 32); // total samples: 36 bits = 4 + 32
        for (int i = 0; i < 16; i++) si.put(0, 8);                   // MD5 unknown
        Bits frame = new Bits();
        frame.put(0xFFF8, 16).put(0x6, 4).put(0x0, 4).put(0x0, 4).put(0x4, 3).put(0, 1); // 8-bit blocksize, 16-bit
        frame.put(0, 8).put(n - 1, 8);                                // frame number 0 (UTF-8), blocksize - 1
        frame.put(crc8(frame.bytes()), 8);
        frame.put(0, 1).put(0b001000, 6).put(0, 1);                   // FIXED, order 0, no wasted bits
        frame.put(0, 2).put(0, 4).put(15, 4).put(16, 5);              // Rice, partition order 0, escape, 16 raw bits
        for (short v : pcm) frame.put(v & 0xFFFF, 16);
        frame.alignToByte();
        frame.put(crc16(frame.bytes()), 16);
        return TestWavs.concat(TestWavs.ascii("fLaC"), new byte[] {(byte) 0x80, 0, 0, 34}, si.bytes(), frame.bytes());
    }

    private static int crc8(byte[] data) {
        int crc = 0;
        for (byte b : data) {
            crc ^= b & 0xFF;
            for (int k = 0; k < 8; k++) crc = (crc & 0x80) != 0 ? ((crc << 1) ^ 0x07) & 0xFF : (crc << 1) & 0xFF;
        }
        return crc;
    }

    private static int crc16(byte[] data) {
        int crc = 0;
        for (byte b : data) {
            crc ^= (b & 0xFF) << 8;
            for (int k = 0; k < 8; k++) crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x8005) & 0xFFFF : (crc << 1) & 0xFFFF;
        }
        return crc;
    }

    /** Big-endian bit writer. */
    private static final class Bits {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int acc;
        private int count;

        Bits put(long value, int bits) {
            for (int i = bits - 1; i >= 0; i--) {
                acc = acc << 1 | (int) ((value >>> i) & 1);
                if (++count == 8) {
                    out.write(acc);
                    acc = 0;
                    count = 0;
                }
            }
            return this;
        }

        void alignToByte() {
            while (count != 0) put(0, 1);
        }

        byte[] bytes() {
            if (count != 0) throw new IllegalStateException("not byte aligned");
            return out.toByteArray();
        }
    }
}
