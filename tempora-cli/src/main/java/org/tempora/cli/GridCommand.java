package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.tempora.data.FeatureCache;
import org.tempora.run.Grid;
import org.tempora.run.GridSummary;
import org.tempora.run.GridTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora grid TABLE.yaml --out DIR}: a named table of rows × seeds, resumable, with mean ± std and paired deltas. */
@Command(name = "grid", mixinStandardHelpOptions = true,
        description = {"Run an experiment table: every row (a preset + --set overrides) at seeds 0..N-1, one training at a "
                + "time, each cell an ordinary run folder DIR/<row>/seed-<s>. Finished cells are kept, a stopped or killed "
                + "cell resumes from its checkpoint, new cells start: run the same command again to continue (Ctrl-C is safe). "
                + "A cell whose row definition changed is refused with the differing keys. Then prints the table: mean ± "
                + "sample std over seeds of the test metric, epochs, training time, GFLOPs/clip and DiffRes activeness, and the "
                + "paired difference to the baseline row over the same seeds (also written to DIR/grid.md and DIR/grid.json).",
                "Example: tempora grid tools/grid/kws35-diffres.yaml --data /data/kws35 --out runs/grid-diffres"})
final class GridCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "TABLE.yaml", description = "The table: name, rows (name, preset, set, baseline), "
            + "optional data, seeds and set for every row (docs/training.md).")
    Path table;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "The grid folder.")
    Path out;

    @Option(names = "--seeds", converter = OptionValues.Count.class, paramLabel = "N",
            description = "Seeds per row, 0..N-1 (default: the table's, else 3).")
    Integer seeds;

    @Option(names = "--rows", paramLabel = "R1,R2", split = ",", description = "Run only these rows (the table printed "
            + "still shows every row's finished cells).")
    List<String> rows;

    @Option(names = "--baseline", paramLabel = "ROW", description = "Compare the rows with this one instead of the row the "
            + "table marks 'baseline: true' (the table file and the cells are not changed).")
    String baseline;

    @Option(names = "--data", paramLabel = "PATH", description = "Dataset folder of every row (default: the table's 'data').")
    String data;

    @Option(names = "--only-status", description = "Train nothing: list the cells' status and print the table of what is finished.")
    boolean onlyStatus;

    @Option(names = "--json", description = "Print the summary as JSON instead of Markdown.")
    boolean json;

    @Option(names = "--cache", paramLabel = "DIR", description = "Feature cache folder (default: ~/.cache/tempora/features).")
    Path cache;

    @Option(names = {"-q", "--quiet"}, description = "No training progress; one line per cell and the table.")
    boolean quiet;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() {
        PrintWriter o = out();
        GridTable t = GridTable.read(table);
        if (baseline != null) t = t.withBaseline(baseline);
        Path cacheRoot = cache != null ? cache : FeatureCache.defaultRoot();
        CliRunListener training = new CliRunListener(o, quiet);
        Grid.Listener l = new Grid.Listener() {
            @Override
            public void onCell(Grid.Cell c, String action, int index, int total) {
                o.printf(Locale.ROOT, "[%d/%d] %s/seed-%d: %s%n", index, total, c.row(), c.seed(), action);
                o.flush();
            }

            @Override
            public void onCellDone(Grid.Cell c) {
                if (c.status() == Grid.Status.FAILED) o.println("  failed: " + c.error());
                o.flush();
            }

            @Override
            public void onStage(String message) {
                training.onStage(message);
            }

            @Override
            public void onProgress(int done, int total) {
                training.onProgress(done, total);
            }

            @Override
            public void onNote(String message) {
                training.onNote(message);
            }

            @Override
            public void onStart(int epochs, int stepsPerEpoch, int firstEpoch) {
                training.onStart(epochs, stepsPerEpoch, firstEpoch);
            }

            @Override
            public void onStep(int epoch, int step, double loss, double lr, double examplesPerSecond) {
                training.onStep(epoch, step, loss, lr, examplesPerSecond);
            }

            @Override
            public void onEpoch(org.tempora.train.EpochRecord record) {
                training.onEpoch(record);
            }
        };
        GridSummary s = Grid.run(t, new Grid.Options(out, cacheRoot, seeds, rows, data, threads.resolve(), onlyStatus), l);
        if (json) o.println(Json.MAPPER.valueToTree(s.asMap()).toPrettyString());
        else o.print(s.markdown());
        o.flush();
        boolean failed = s.rows().stream().anyMatch(r -> r.cells().values().stream().anyMatch(v -> v.startsWith("failed")));
        if (failed) {
            err().println(Main.errorLine("some cells failed (see the table); run the grid again to retry them"));
            err().flush();
            return Main.EXIT_OTHER;
        }
        return Main.EXIT_OK;
    }
}
