package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.cli.CliBadInputTest.Run;

/**
 * {@code tempora grid}: one tiny cell trained through the CLI, the status and JSON views of a half-done table, another
 * row chosen as the baseline for the printing, a row whose definition changed refused with exit 2 and one line naming the key, and the usage/input errors.
 */
class GridCommandTest {
    @TempDir
    Path dir;

    Path table(String lr) throws IOException {
        Path t = dir.resolve("t.yaml");
        Files.writeString(t, "name: cli\ndata: synthetic\nset: [data.synthetic.classes=3, data.synthetic.clips_per_class=8, "
                + "train.epochs=1, backbone.dim=16, backbone.depth=1, backbone.heads=2, train.batch_size=8]\nrows:\n"
                + "  - {name: base, preset: demo, baseline: true, set: [train.lr=" + lr + "]}\n"
                + "  - {name: other, preset: demo, set: [train.lr=2e-3]}\n");
        return t;
    }

    @Test
    void runsACellReportsTheRestAndRefusesAChangedRow() throws IOException {
        Path t = table("1e-3");
        Path out = dir.resolve("g");
        String cache = dir.resolve("cache").toString();
        Run r = CliBadInputTest.run("grid", t.toString(), "--out", out.toString(), "--seeds", "1", "--rows", "base", "-q", "--cache", cache);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("[1/1] base/seed-0: started").contains("### Grid cli")
                .contains("| base (baseline) | 1 | ").contains("| other | 0 | – |").contains("Not finished: other/seed-0 new.");
        assertThat(out.resolve("base/seed-0/model.npz")).exists();

        Run status = CliBadInputTest.run("grid", t.toString(), "--out", out.toString(), "--seeds", "2", "--only-status", "--json");
        assertThat(status.code()).as(status.err()).isZero();
        assertThat(status.out()).contains("[1/4] base/seed-0: finished").contains("[2/4] base/seed-1: new");
        JsonNode j = Json.MAPPER.readTree(status.out().substring(status.out().indexOf('{')));
        assertThat(j.get("metric").asText()).isEqualTo("test_top1");
        assertThat(j.get("rows").get(0).get("stats").get("test_top1").get("n").asInt()).isEqualTo(1);
        assertThat(j.get("rows").get(0).get("cells").get("seed-1").asText()).isEqualTo("new");

        // another row as the baseline, for this printing only: the file still marks base
        Run other = CliBadInputTest.run("grid", t.toString(), "--out", out.toString(), "--seeds", "1", "--only-status", "--baseline", "other");
        assertThat(other.code()).as(other.err()).isZero();
        assertThat(other.out()).contains("| other (baseline) | 0 | – |").contains("| base | 1 | ").doesNotContain("base (baseline)");
        assertThat(Files.readString(t)).contains("{name: base, preset: demo, baseline: true");
        Run noRow = CliBadInputTest.run("grid", t.toString(), "--out", out.toString(), "--only-status", "--baseline", "nope");
        assertThat(noRow.code()).isEqualTo(2);
        assertThat(noRow.err()).startsWith("tempora: the table cli has no row 'nope' (rows: base, other)").hasLineCount(1);

        Run changed = CliBadInputTest.run("grid", table("5e-4").toString(), "--out", out.toString(), "--seeds", "1");
        assertThat(changed.code()).isEqualTo(2);
        assertThat(changed.err()).startsWith("tempora: grid cell " + out.resolve("base/seed-0") + " was run with another definition of row base: ")
                .contains("train.lr: 0.001 → 5.0E-4").hasLineCount(1);

        assertThat(CliBadInputTest.run("grid", t.toString(), "--out", out.toString(), "--rows", "nope").code()).isEqualTo(2);
        assertThat(CliBadInputTest.run("grid", t.toString(), "--out", out.toString(), "--seeds", "0").code()).isEqualTo(2);
        Run missing = CliBadInputTest.run("grid", dir.resolve("none.yaml").toString(), "--out", out.toString());
        assertThat(missing.code()).isEqualTo(3);
        assertThat(missing.err()).contains("no such grid table").hasLineCount(1);
    }
}
