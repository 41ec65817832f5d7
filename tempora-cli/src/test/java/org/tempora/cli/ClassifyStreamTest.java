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
                .isEqualTo("tempora: --stream reads standard input; give no FILE\n");
        assertThat(CliBadInputTest.run("classify", "-m", run.toString()).code()).isEqualTo(2);
    }
}
