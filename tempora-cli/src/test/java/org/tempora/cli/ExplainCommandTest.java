package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tempora explain}: registered, documented, and a bad run folder is one line with exit code 3. */
class ExplainCommandTest {

    @Test
    void helpAndBadRunFolder(@TempDir Path dir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(Main.run(new String[] {"explain", "--help"}, new PrintWriter(out), new PrintWriter(err))).isZero();
        assertThat(out.toString()).contains("--model").contains("--out");
        err.getBuffer().setLength(0);
        int code = Main.run(new String[] {"explain", "--model", dir.toString(), "x.wav"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(err.toString()).contains("not a finished run").hasLineCount(1);
    }
}
