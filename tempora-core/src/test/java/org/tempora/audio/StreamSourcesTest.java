package org.tempora.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.InvalidInputException;

/** The stream sources of `classify --stream` and `/v1/stream`: WAV or raw PCM, and a file that is still growing. */
class StreamSourcesTest {
    @TempDir
    Path dir;

    private byte[] wav(int rate, int channels, WavWriter.Encoding enc, int n) throws IOException {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.01) * 0.5f;
        Path p = dir.resolve("w-" + rate + "-" + enc + ".wav");
        WavWriter.write(p, new Waveform(x, rate, p.toString()), enc);
        byte[] b = Files.readAllBytes(p);
        if (channels != 1) b[22] = (byte) channels;
        return b;
    }

    @Test
    void aWavHeaderGivesTheRateAndIsSkipped() throws IOException {
        byte[] w = wav(8000, 1, WavWriter.Encoding.PCM_16, 100);
        PcmStream s = PcmStream.open(new ByteArrayInputStream(w), 16000, "mic");
        assertThat(s.wav()).isTrue();
        assertThat(s.rate()).isEqualTo(8000);
        byte[] pcm = s.pcm().readAllBytes();
        assertThat(pcm).isEqualTo(Arrays.copyOfRange(w, w.length - 200, w.length));
    }

    @Test
    void rawPcmIsPassedThroughAtTheGivenRate() throws IOException {
        byte[] raw = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
        PcmStream s = PcmStream.open(new ByteArrayInputStream(raw), 22050, "stdin");
        assertThat(s.wav()).isFalse();
        assertThat(s.rate()).isEqualTo(22050);
        assertThat(s.pcm().readAllBytes()).isEqualTo(raw);
        assertThatThrownBy(() -> PcmStream.open(new ByteArrayInputStream(raw), 0, "stdin")).isInstanceOf(InvalidInputException.class)
                .hasMessage("stdin: raw PCM needs its sample rate (no WAV header found)");
    }

    @Test
    void aWavStreamThatIsNot16BitMonoIsRefusedByName() throws IOException {
        byte[] f32 = wav(16000, 1, WavWriter.Encoding.FLOAT_32, 10);
        assertThatThrownBy(() -> PcmStream.open(new ByteArrayInputStream(f32), 16000, "rec.wav")).isInstanceOf(InvalidInputException.class)
                .hasMessage("rec.wav: a WAV stream must be 16-bit PCM with one channel; this one has format 3, 32 bits, 1 channels");
        byte[] stereo = wav(16000, 2, WavWriter.Encoding.PCM_16, 10);
        assertThatThrownBy(() -> PcmStream.open(new ByteArrayInputStream(stereo), 16000, "rec.wav"))
                .hasMessageEndingWith("format 1, 16 bits, 2 channels");
        byte[] cut = Arrays.copyOf(wav(16000, 1, WavWriter.Encoding.PCM_16, 10), 30);
        assertThatThrownBy(() -> PcmStream.open(new ByteArrayInputStream(cut), 16000, "rec.wav"))
                .hasMessage("rec.wav: the WAV header ends inside its fmt chunk");
    }

    @Test
    void aGrowingFileIsReadAsItIsWrittenAndEndsWhenItStopsGrowing() throws Exception {
        Path f = dir.resolve("growing.raw");
        Files.write(f, new byte[0]);
        byte[] all = new byte[50_000];
        for (int i = 0; i < all.length; i++) all[i] = (byte) (i * 31);
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(f, StandardOpenOption.APPEND)) {
                for (int off = 0; off < all.length; off += 5000) {
                    out.write(all, off, 5000);
                    out.flush();
                    Thread.sleep(20);
                }
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        long t0 = System.nanoTime();
        writer.start();
        byte[] got;
        try (InputStream in = new GrowingFile(f, 400, 5)) {
            got = in.readAllBytes();   // does not end at the first end of file: waits for more
        }
        writer.join();
        assertThat(got).isEqualTo(all);
        assertThat((System.nanoTime() - t0) / 1e6).as("ended about 400 ms after the last write").isGreaterThanOrEqualTo(400);
    }

    @Test
    void aGrowingFileThatShrinksOrIsMissingIsAnErrorNamingIt() throws IOException {
        assertThatThrownBy(() -> new GrowingFile(dir.resolve("nope.raw"), 10, 1)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(dir.resolve("nope.raw") + ": cannot open");
        Path f = dir.resolve("s.raw");
        Files.write(f, new byte[1000]);
        try (InputStream in = new GrowingFile(f, 200, 1)) {
            assertThat(in.readNBytes(1000)).hasSize(1000);
            Files.write(f, new byte[10]);
            assertThatThrownBy(() -> in.read(new byte[10])).isInstanceOf(InvalidInputException.class)
                    .hasMessage(f + ": the file shrank from 1000 to 10 bytes while it was read (it was replaced or truncated)");
        }
    }
}
