package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.Stop;
import org.tempora.train.RunFiles;

/**
 * A 2-row × 2-seed grid of tiny 1-epoch runs: stopped in its third cell, continued (finished cells kept untouched, the
 * stopped one resumed), a finished cell's final file removed and the grid run again (only that cell redone), and the
 * table's mean ± std and paired differences recomputed here from the cells' own run.json files.
 */
class GridTest {
    @TempDir
    Path tmp;

    @AfterEach
    void noStopLeftBehind() {
        Stop.clear();
    }

    static final String TINY = "[data.synthetic.classes=3, data.synthetic.clips_per_class=16, train.epochs=1, backbone.dim=16, "
            + "backbone.depth=1, backbone.heads=2, train.batch_size=8, train.schedule.warmup_steps=2, augment.freqm=8, augment.timem=8]";

    Path table(String rowBSet) throws IOException {
        Path t = tmp.resolve("table.yaml");
        Files.writeString(t, "name: tiny\nnote: two tiny rows\nseeds: 2\nset: " + TINY + "\nrows:\n"
                + "  - {name: base, preset: demo, baseline: true}\n"
                + "  - {name: lr, preset: demo, set: [" + rowBSet + "]}\n");
        return t;
    }

    Grid.Options opts(Path out) {
        return new Grid.Options(out, tmp.resolve("cache"), null, List.of(), null, 2, false);
    }

    /** Records the actions per cell. */
    static final class Actions implements Grid.Listener {
        final List<String> seen = new ArrayList<>();
        final String stopIn;

        Actions(String stopIn) {
            this.stopIn = stopIn;
        }

        String current;

        @Override
        public void onCell(Grid.Cell c, String action, int index, int total) {
            current = c.row() + "/" + c.seed();
            seen.add(current + " " + action);
        }

        @Override
        public void onStep(int epoch, int step, double loss, double lr, double examplesPerSecond) {
            if (current.equals(stopIn) && step == 2) Stop.request("INT", 130);
        }
    }

    @Test
    void aStoppedGridContinuesKeepsFinishedCellsAndSummarisesTheSeeds() throws IOException {
        GridTable t = GridTable.read(table("train.lr=3e-3"));
        Path out = tmp.resolve("grid");

        Actions first = new Actions("lr/0");
        assertThatThrownBy(() -> Grid.run(t, opts(out), first)).isInstanceOf(Stop.StoppedException.class);
        Stop.clear();
        assertThat(first.seen).containsExactly("base/0 started", "base/1 started", "lr/0 started");
        assertThat(new RunFiles(Grid.cellDir(out, "lr", 0)).lastState()).as("the stopped cell is checkpointed").exists();
        Path kept = Grid.cellDir(out, "base", 0).resolve("run.json");
        String keptBefore = Files.readString(kept);

        GridSummary status = Grid.run(t, new Grid.Options(out, tmp.resolve("cache"), null, List.of(), null, 2, true), new Actions(""));
        assertThat(status.rows().get(1).cells()).containsEntry(0L, "started").containsEntry(1L, "new");

        Actions second = new Actions("");
        GridSummary s = Grid.run(t, opts(out), second);
        assertThat(second.seen).containsExactly("base/0 kept", "base/1 kept", "lr/0 resumed", "lr/1 started");
        assertThat(Files.readString(kept)).as("a finished cell is not touched").isEqualTo(keptBefore);
        checkAgainstCells(s, out);
        assertThat(s.rows().get(1).paired().get("test_top1").verdict()).isEqualTo("not a result (n < 3)");
        String md = s.markdown();
        assertThat(md).contains("| base (baseline) | 2 | ").contains(", not a result |").doesNotContain("Not finished");
        assertThat(Files.readString(out.resolve("grid.md"))).isEqualTo(md);
        assertThat(RunFiles.JSON.readTree(out.resolve("grid.json").toFile()).get("rows").get(1).get("paired").get("test_top1")
                .get("diff").get("n").asInt()).isEqualTo(2);
        assertThat(new RunFiles(out).tracked()).contains("base/", "base/seed-0/", "lr/seed-1/", "grid.json", "grid.md");

        // a cell that lost its final file is redone (resumed: it only evaluates again), the others are kept
        Files.delete(Grid.cellDir(out, "lr", 1).resolve("run.json"));
        Actions third = new Actions("");
        GridSummary again = Grid.run(t, opts(out), third);
        assertThat(third.seen).containsExactly("base/0 kept", "base/1 kept", "lr/0 kept", "lr/1 resumed");
        assertThat(again.rows().get(1).stats().get("test_top1").values()).isEqualTo(s.rows().get(1).stats().get("test_top1").values());

        // the row's definition changed: refused before anything runs, naming the key
        GridTable changed = GridTable.read(table("train.lr=4e-3"));
        assertThatThrownBy(() -> Grid.run(changed, opts(out), new Actions("")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("grid cell " + Grid.cellDir(out, "lr", 0) + " was run with another definition of row lr: ")
                .hasMessageContaining("train.lr: 0.003 → 0.004");
    }

    /** The summary's numbers, recomputed from each cell's run.json by hand. */
    static void checkAgainstCells(GridSummary s, Path out) throws IOException {
        double[][] acc = new double[2][2];
        double[][] secs = new double[2][2];
        String[] rows = {"base", "lr"};
        for (int r = 0; r < 2; r++) {
            for (int seed = 0; seed < 2; seed++) {
                JsonNode j = RunFiles.JSON.readTree(Grid.cellDir(out, rows[r], seed).resolve("run.json").toFile());
                assertThat(j.get("status").asText()).isEqualTo("finished");
                assertThat(j.get("seed").asLong()).isEqualTo(seed);
                acc[r][seed] = j.get("test").get("top1").asDouble();
                secs[r][seed] = j.get("train_seconds").asDouble();
            }
        }
        for (int r = 0; r < 2; r++) {
            GridSummary.Stat st = s.rows().get(r).stats().get("test_top1");
            double mean = (acc[r][0] + acc[r][1]) / 2;
            double std = Math.abs(acc[r][0] - acc[r][1]) / Math.sqrt(2);   // sample std of two values
            assertThat(st.n()).isEqualTo(2);
            assertThat(st.mean()).isCloseTo(mean, within(1e-12));
            assertThat(st.std()).isCloseTo(std, within(1e-12));
            assertThat(s.rows().get(r).stats().get("train_minutes").mean()).isCloseTo((secs[r][0] + secs[r][1]) / 120, within(1e-12));
            assertThat(s.markdown()).contains(String.format(Locale.ROOT, "| %.2f ± %.2f |", 100 * mean, 100 * std));
        }
        double d0 = acc[1][0] - acc[0][0];
        double d1 = acc[1][1] - acc[0][1];
        GridSummary.Paired p = s.rows().get(1).paired().get("test_top1");
        assertThat(p.seeds()).containsExactly(0L, 1L);
        assertThat(p.diff().mean()).isCloseTo((d0 + d1) / 2, within(1e-12));
        assertThat(p.diff().std()).isCloseTo(Math.abs(d0 - d1) / Math.sqrt(2), within(1e-12));
        assertThat(s.rows().get(0).paired()).as("the baseline is not paired with itself").isEmpty();
    }

    @Test
    void pairedStatisticsOnKnownNumbers() {
        // differences 0.02, 0.04, 0.03: mean 0.03, std 0.01, t = 0.03 / (0.01/√3) = 5.196 > 4.303 (df 2)
        GridSummary.Paired p = GridSummary.paired(List.of(0.02, 0.04, 0.03), List.of(0L, 1L, 2L));
        assertThat(p.diff().mean()).isCloseTo(0.03, within(1e-12));
        assertThat(p.diff().std()).isCloseTo(0.01, within(1e-12));
        assertThat(p.t()).isCloseTo(5.196152, within(1e-6));
        assertThat(p.above()).isEqualTo(3);
        assertThat(p.verdict()).isEqualTo("differs (paired t, two-sided p < 0.05)");
        GridSummary.Paired mixed = GridSummary.paired(List.of(0.02, -0.01, 0.0), List.of(0L, 1L, 2L));
        assertThat(mixed.above()).isEqualTo(1);
        assertThat(mixed.below()).isEqualTo(1);
        assertThat(mixed.verdict()).isEqualTo("no clear difference");
        assertThat(GridSummary.paired(List.of(0.5), List.of(0L)).verdict()).isEqualTo("not a result (n < 3)");
        assertThat(GridSummary.Stat.of(List.of(0.5)).std()).isNaN();
        assertThat(GridSummary.tCritical(1)).isEqualTo(12.706);
        assertThat(GridSummary.tCritical(100)).isEqualTo(1.96);
    }

    @Test
    void badTablesAreRefusedWithTheReason() throws IOException {
        Path t = tmp.resolve("bad.yaml");
        Files.writeString(t, "name: x\nrows:\n  - {name: a, preset: demo}\n  - {name: a, preset: demo}\n");
        assertThatThrownBy(() -> GridTable.read(t)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("two rows are named 'a'").hasMessageContaining("exactly one row must be marked 'baseline: true', found 0");
        Files.writeString(t, "name: x\nrows:\n  - {name: ../up, baseline: true}\n");
        assertThatThrownBy(() -> GridTable.read(t)).isInstanceOf(InvalidInputException.class).hasMessageContaining("a folder name");
        Files.writeString(t, "name: x\nrow: []\n");
        assertThatThrownBy(() -> GridTable.read(t)).isInstanceOf(InvalidInputException.class).hasMessageContaining("row");
        GridTable ok = GridTable.read(table("train.lr=3e-3"));
        assertThatThrownBy(() -> Grid.run(ok, new Grid.Options(tmp.resolve("g"), tmp.resolve("cache"), null, List.of("nope"), null, 2, false),
                new Grid.Listener() {})).isInstanceOf(ConfigException.class).hasMessage("the table tiny has no row 'nope' (rows: base, lr)");
        assertThat(ok.config(ok.row("lr"), 2, "synthetic").seed()).isEqualTo(2);
        assertThat(ok.config(ok.row("lr"), 2, null).train().lr()).isEqualTo(3e-3);
    }
}
