package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tempora classify --stream}: raw PCM on standard input, one line per window (issue #14, streaming). */
class ClassifyStreamTest {
    @TempDir
    Path dir;

    @Test
    void standardInputIsClassifiedWindowByWindow() {
        Path run = CliBadInputTest.trainTiny(dir);
        byte[] pcm = new byte[2 * 8000 * 3];   // 3 s at 8 kHz (resampled to the model's 16 kHz)
        for (int i = 0; i < pcm.length / 2; i++) {
            short v = (short) (8000 * Math.sin(2 * Math.PI * 300 * i / 8000.0));
            pcm[2 * i] = (byte) v;
            pcm[2 * i + 1] = (byte) (v >> 8);
        }
        InputStream was = System.in;
        System.setIn(new ByteArrayInputStream(pcm));
        CliBadInputTest.Run r;
        try {
            r = CliBadInputTest.run("classify", "-m", run.toString(), "--stream", "--rate", "8000", "-k", "2");
        } finally {
            System.setIn(was);
        }
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        // windows of 1.015 s every 0.5075 s over 3 s: 4
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches(" +0\\.00- +1\\.02 s:  \\S+ [01]\\.\\d{3}  \\S+ [01]\\.\\d{3}");
        assertThat(CliBadInputTest.run("classify", "-m", run.toString(), "--stream", "x.wav").err())
                .isEqualTo("tempora: x.wav: no such file\n");
        assertThat(CliBadInputTest.run("classify", "-m", run.toString(), "--stream", "--follow").err())
                .isEqualTo("tempora: --follow needs a FILE to follow\n");
        assertThat(CliBadInputTest.run("classify", "-m", run.toString()).code()).isEqualTo(2);
    }

    /** A recorder writing a WAV file as it goes: --follow reads it as it grows and reports what the whole file gives. */
    @Test
    void aGrowingWavFileIsFollowedToItsEnd() throws Exception {
        Path run = CliBadInputTest.trainTiny(dir);
        int n = 16000 * 3;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (0.25 * Math.sin(2 * Math.PI * (200 + i / 60.0) * i / 16000.0));
        Path whole = dir.resolve("whole.wav");
        org.tempora.audio.WavWriter.write(whole, new org.tempora.audio.Waveform(x, 16000, "x"), org.tempora.audio.WavWriter.Encoding.PCM_16);
        byte[] bytes = java.nio.file.Files.readAllBytes(whole);
        CliBadInputTest.Run complete = CliBadInputTest.run("classify", "-m", run.toString(), "--stream", whole.toString(), "-k", "2");
        assertThat(complete.code()).as(complete.err()).isZero();
        assertThat(complete.out().lines()).hasSize(4);

        Path growing = dir.resolve("growing.wav");
        java.nio.file.Files.write(growing, java.util.Arrays.copyOf(bytes, 44));   // the header first, as a recorder does
        Thread recorder = new Thread(() -> {
            try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(growing, java.nio.file.StandardOpenOption.APPEND)) {
                for (int off = 44; off < bytes.length; off += 3200) {   // 0.1 s at a time
                    out.write(bytes, off, Math.min(3200, bytes.length - off));
                    out.flush();
                    Thread.sleep(15);
                }
            } catch (java.io.IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        recorder.start();
        CliBadInputTest.Run followed = CliBadInputTest.run("classify", "-m", run.toString(), "--stream", growing.toString(),
                "--follow", "--idle", "1", "-k", "2");
        recorder.join();
        assertThat(followed.code()).as(followed.err()).isZero();
        assertThat(followed.out()).isEqualTo(complete.out());
    }
}
