package org.tempora.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.BusyException;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.Stop;
import org.tempora.TemporaException;
import org.tempora.config.ExperimentConfig;
import org.tempora.io.FolderLock;
import org.tempora.train.RunFiles;

/**
 * Runs a {@link GridTable} (rows × seeds) into a grid folder, one training at a time, and summarises it. Every cell is
 * an ordinary run folder {@code DIR/<row>/seed-<s>} written by {@link Experiment#train}, so everything a run folder
 * guarantees holds for it ({@code .tempora-files}, locks, versioned checkpoints): a finished cell (its {@code run.json}
 * says {@code finished}) is kept as it is, a cell that was stopped or killed resumes from its checkpoint
 * ({@code --resume} semantics, bit-identical to an uninterrupted run), a cell not started yet starts. So a grid can be
 * stopped (Ctrl-C) and continued over several sittings. The grid folder lists its cells in its own
 * {@code .tempora-files} (so {@code --overwrite} of the grid folder would remove exactly them) and holds its lock while
 * it runs: a second grid into the same folder is refused as busy.
 *
 * <p>Before anything trains, every existing cell's recorded config is compared with the config its row now defines; a
 * difference (the row's definition changed) is refused with the differing keys named. A cell whose training fails
 * (diverged, say) is reported and the grid goes on with the next cell; a stop request ends the grid at once (the cell
 * in training is checkpointed).
 */
public final class Grid {
    private Grid() {}

    /**
     * How to run a grid.
     *
     * @param out        the grid folder
     * @param cacheRoot  feature cache
     * @param seeds      seeds per row (0 … seeds−1), or null for the table's (default {@link GridTable#DEFAULT_SEEDS})
     * @param rows       the rows to run (names), or empty for all; the summary always covers every row
     * @param dataPath   data.path of every row, or null for the table's
     * @param threads    engine threads
     * @param onlyStatus train nothing: only report the cells and the summary of what is finished
     */
    public record Options(Path out, Path cacheRoot, Integer seeds, List<String> rows, String dataPath, int threads, boolean onlyStatus) {
        public Options {
            rows = rows == null ? List.of() : List.copyOf(rows);
        }
    }

    /** Where a cell stands. */
    public enum Status {
        /** Its run.json says finished: kept as it is. */
        FINISHED,
        /** Started (stopped, killed, or failed): resumed from its checkpoint when the grid runs. */
        STARTED,
        /** Nothing yet. */
        NEW,
        /** Its training failed in this sitting (the message says why). */
        FAILED
    }

    /** One cell: a row at one seed. */
    public record Cell(String row, long seed, Path dir, Status status, String error) {}

    /** What the grid does with each cell, as it goes (the CLI prints these). */
    public interface Listener extends RunListener {
        /** Before a cell: {@code action} is kept, resumed, started, or (with only-status) its status. */
        default void onCell(Cell cell, String action, int index, int total) {}

        /** After a cell's training ended (failed cells carry their error). */
        default void onCellDone(Cell cell) {}
    }

    /** The folder of a cell. */
    public static Path cellDir(Path out, String row, long seed) {
        return out.resolve(row).resolve("seed-" + seed);
    }

    /** Seeds per row under these options. */
    public static int seeds(GridTable t, Options o) {
        int n = o.seeds() != null ? o.seeds() : t.seeds() != null ? t.seeds() : GridTable.DEFAULT_SEEDS;
        if (n < 1) throw new ConfigException("--seeds must be >= 1, got " + n);
        return n;
    }

    /**
     * Runs (or, with only-status, inspects) the grid and returns its summary, which is also written to
     * {@code DIR/grid.json} and {@code DIR/grid.md}.
     *
     * @throws ConfigException        a row that does not exist, or an existing cell whose row's definition changed
     * @throws BusyException          another process is writing the grid folder or one of its cells
     * @throws Stop.StoppedException  a stop was requested (the cell in training is checkpointed)
     */
    public static GridSummary run(GridTable t, Options o, Listener l) {
        int seeds = seeds(t, o);
        List<GridTable.Row> selected = new ArrayList<>();
        if (o.rows().isEmpty()) selected.addAll(t.rows());
        else for (String r : o.rows()) selected.add(t.row(r.strip()));

        // every selected cell's config first, and refuse any cell whose recorded config no longer matches its row
        Map<Path, ExperimentConfig> configs = new LinkedHashMap<>();
        for (GridTable.Row r : selected) {
            for (int s = 0; s < seeds; s++) {
                Path dir = cellDir(o.out(), r.name(), s);
                ExperimentConfig cfg = t.config(r, s, o.dataPath());
                RunFiles cell = new RunFiles(dir);
                List<String> diffs = cell.holdsRun() ? Experiment.configDifferences(cell, cfg) : List.of();
                if (!diffs.isEmpty()) {
                    throw new ConfigException("grid cell " + dir + " was run with another definition of row " + r.name() + ": "
                            + String.join("; ", diffs) + " (restore the row, give the changed row a new name, or move the cell away)");
                }
                configs.put(dir, cfg);
            }
        }

        RunFiles parent = new RunFiles(o.out());
        List<Cell> done = new ArrayList<>();
        if (o.onlyStatus()) {
            int i = 0;
            for (Map.Entry<Path, ExperimentConfig> e : configs.entrySet()) {
                Cell c = cell(e.getKey(), e.getValue(), null);
                l.onCell(c, c.status().name().toLowerCase(java.util.Locale.ROOT), ++i, configs.size());
            }
            return GridSummary.of(t, o.out(), seeds, List.of());
        }
        try (FolderLock lock = parent.open(true, false); Stop.Region polling = Stop.cooperate()) {
            int i = 0;
            for (Map.Entry<Path, ExperimentConfig> e : configs.entrySet()) {
                Path dir = e.getKey();
                ExperimentConfig cfg = e.getValue();
                Cell c = cell(dir, cfg, null);
                i++;
                if (c.status() == Status.FINISHED) {
                    l.onCell(c, "kept", i, configs.size());
                    done.add(c);
                    continue;
                }
                Stop.check("before grid cell " + dir + "; finished cells are kept: run the grid again to continue");
                parent.trackFolder(dir.getParent());
                RunFiles sub = parent.trackSubRun(parent.dir().relativize(dir).toString().replace('\\', '/'));
                boolean resume = sub.holdsRun();
                l.onCell(c, resume ? "resumed" : "started", i, configs.size());
                try {
                    Experiment.train(cfg, new Experiment.Options(dir, o.cacheRoot(), resume, false, o.threads()), l);
                    c = cell(dir, cfg, null);
                } catch (Stop.StoppedException | BusyException x) {
                    throw x;
                } catch (TemporaException x) {
                    c = new Cell(c.row(), c.seed(), dir, Status.FAILED, Messages.oneLine(x.getMessage()));
                }
                l.onCellDone(c);
                done.add(c);
            }
            GridSummary summary = GridSummary.of(t, o.out(), seeds, done);
            parent.writeJson(o.out().resolve("grid.json"), summary.asMap());
            parent.writeText(o.out().resolve("grid.md"), summary.markdown());
            return summary;
        }
    }

    private static Cell cell(Path dir, ExperimentConfig cfg, String error) {
        RunFiles r = new RunFiles(dir);
        Status s = finished(r) ? Status.FINISHED : r.holdsRun() ? Status.STARTED : Status.NEW;
        return new Cell(cfg.name(), cfg.seed(), dir, s, error);
    }

    /** Whether a run folder holds a finished run (its run.json says so). */
    static boolean finished(RunFiles r) {
        JsonNode j = readJson(r.runJson(), false);
        return j != null && "finished".equals(j.path("status").asText());
    }

    /** A JSON file, or null if it is missing and not {@code required}. */
    static JsonNode readJson(Path p, boolean required) {
        if (!Files.isRegularFile(p)) {
            if (required) throw new InvalidInputException(p, "missing");
            return null;
        }
        try {
            return RunFiles.JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new InvalidInputException(p, "not valid JSON: " + Messages.io(e, p), e);
        }
    }
}
