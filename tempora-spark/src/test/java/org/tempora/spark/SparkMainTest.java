package org.tempora.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit entry point: one line on stderr and the documented exit code for each kind of error. */
class SparkMainTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SparkMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void usageErrorsAreExit2BeforeSparkStarts() {
        Run format = run("tag", "--master", "local[1]", "--model", dir.toString(), dir.toString(), "--out", dir.resolve("o").toString(), "--format", "xml");
        assertThat(format.code()).isEqualTo(2);
        assertThat(format.err().strip()).isEqualTo("tempora: unknown --format 'xml' (parquet, csv, jsonl)");
        Run topK = run("tag", "--master", "local[1]", "--model", dir.toString(), dir.toString(), "--out", dir.resolve("o").toString(), "-k", "0");
        assertThat(topK.code()).isEqualTo(2);
        assertThat(topK.err().strip()).isEqualTo("tempora: --top-k must be >= 1, got 0");
        Run noMaster = run("tag", "--model", dir.toString(), dir.toString(), "--out", dir.resolve("o").toString());
        assertThat(noMaster.code()).isEqualTo(2);
        assertThat(noMaster.err().strip()).startsWith("tempora: no Spark master: give --master");
        Run missing = run("tag", "--master", "local[1]");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().strip()).startsWith("tempora: spark tag: Missing required option").doesNotContain("\n");
    }

    @Test
    void badInputIsExit3NamingTheFileAndNothingIsWritten() throws Exception {
        Path out = dir.resolve("cache");
        Run noData = run("featurize", "--master", "local[1]", dir.resolve("no-such-dataset").toString(), "--out", out.toString());
        assertThat(noData.code()).isEqualTo(3);
        assertThat(noData.err().strip()).isEqualTo("tempora: " + dir.resolve("no-such-dataset") + ": no such dataset folder");
        Path audio = Files.createDirectories(dir.resolve("audio"));
        Run noModel = run("tag", "--master", "local[1]", "--model", dir.resolve("no-run").toString(), audio.toString(), "--out", dir.resolve("tags").toString());
        assertThat(noModel.code()).isEqualTo(3);
        assertThat(noModel.err().strip()).isEqualTo("tempora: " + dir.resolve("no-run") + ": no such run folder");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("tags")).doesNotExist();
    }
}
