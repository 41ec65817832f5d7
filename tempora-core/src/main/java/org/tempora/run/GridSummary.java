package org.tempora.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tempora.train.RunFiles;

/**
 * The table of a grid: for each row, the mean ± sample standard deviation over its finished seeds of the test metric
 * (on the weights the run selected: by default the best validation epoch), epochs run and best epoch, training time,
 * GFLOPs per clip and, for DiffRes rows, the last epoch's activeness in eval and in train mode; and for each row but
 * the baseline, the paired comparison with the baseline over the seeds both finished: mean ± std of the per-seed
 * differences, n, the paired t statistic and the sign count. Fewer than 3 pairs are marked "not a result".
 *
 * @param table  the table's name
 * @param note   its note (may be null)
 * @param metric test metric name (top1 or mAP)
 * @param seeds  seeds per row
 * @param rows   one summary per table row, in table order
 */
public record GridSummary(String table, String note, String metric, int seeds, List<RowSummary> rows) {

    /** Mean, sample std (NaN for n &lt; 2) and count of some values. */
    public record Stat(double mean, double std, int n, List<Double> values) {
        public static Stat of(List<Double> v) {
            int n = v.size();
            double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double ss = 0;
            for (double x : v) ss += (x - mean) * (x - mean);
            return new Stat(mean, n < 2 ? Double.NaN : Math.sqrt(ss / (n - 1)), n, List.copyOf(v));
        }
    }

    /**
     * The paired comparison of one quantity with the baseline's, over the seeds both rows finished.
     *
     * @param diff     the per-seed differences (row − baseline), their mean ± std and n
     * @param seeds    the seeds paired
     * @param t        paired t statistic mean/(std/√n) (NaN for n &lt; 2 or std 0)
     * @param above    seeds where the row is above the baseline
     * @param below    seeds where it is below
     * @param verdict  "not a result (n < 3)", "differs (paired t, two-sided p < 0.05)" or "no clear difference"
     */
    public record Paired(Stat diff, List<Long> seeds, double t, int above, int below, String verdict) {}

    /**
     * One row.
     *
     * @param cells  seed → the cell's status (finished, started, new, failed: message)
     * @param stats  quantity → its statistic over the finished seeds
     * @param paired quantity → the paired comparison with the baseline (empty for the baseline row)
     */
    public record RowSummary(String row, boolean baseline, String preset, List<String> set, Map<Long, String> cells,
                             Map<String, Stat> stats, Map<String, Paired> paired, int converged) {}

    /** Quantities summarised per finished cell, in table order (the test metric is added first). */
    static final List<String> QUANTITIES = List.of("epochs_run", "best_epoch", "train_minutes", "gflops_per_clip",
            "eval_activeness", "train_activeness", "eval_score_std", "train_score_std");

    /** Reads every cell of the table from disk ({@code failures}: cells whose training failed in this sitting). */
    static GridSummary of(GridTable t, Path out, int seeds, List<Grid.Cell> sitting) {
        Map<Path, String> failed = new LinkedHashMap<>();
        for (Grid.Cell c : sitting) if (c.status() == Grid.Status.FAILED) failed.put(c.dir(), c.error());
        String metric = null;
        Map<String, Map<Long, Map<String, Double>>> values = new LinkedHashMap<>();
        Map<String, Map<Long, String>> status = new LinkedHashMap<>();
        Map<String, Integer> converged = new LinkedHashMap<>();
        for (GridTable.Row r : t.rows()) {
            Map<Long, Map<String, Double>> perSeed = new LinkedHashMap<>();
            Map<Long, String> st = new LinkedHashMap<>();
            int conv = 0;
            for (long s = 0; s < seeds; s++) {
                Path dir = Grid.cellDir(out, r.name(), s);
                RunFiles run = new RunFiles(dir);
                if (failed.containsKey(dir)) {
                    st.put(s, "failed: " + failed.get(dir));
                } else if (Grid.finished(run)) {
                    JsonNode j = Grid.readJson(run.runJson(), true);
                    String m = j.path("test").has("mAP") ? "mAP" : "top1";
                    if (metric == null) metric = m;
                    Map<String, Double> v = cellValues(run, j, m);
                    perSeed.put(s, v);
                    if (j.path("stop").path("converged").asBoolean(false)) conv++;
                    st.put(s, "finished");
                } else {
                    st.put(s, run.holdsRun() ? "started" : "new");
                }
            }
            values.put(r.name(), perSeed);
            status.put(r.name(), st);
            converged.put(r.name(), conv);
        }
        if (metric == null) metric = "top1";
        String testKey = "test_" + metric;
        List<String> keys = new ArrayList<>();
        keys.add(testKey);
        keys.addAll(QUANTITIES);
        Map<Long, Map<String, Double>> base = values.get(t.baseline().name());
        List<RowSummary> rows = new ArrayList<>();
        for (GridTable.Row r : t.rows()) {
            Map<Long, Map<String, Double>> mine = values.get(r.name());
            Map<String, Stat> stats = new LinkedHashMap<>();
            Map<String, Paired> paired = new LinkedHashMap<>();
            for (String k : keys) {
                List<Double> v = new ArrayList<>();
                for (Map<String, Double> cell : mine.values()) if (cell.containsKey(k)) v.add(cell.get(k));
                if (!v.isEmpty()) stats.put(k, Stat.of(v));
                if (r.baseline()) continue;
                List<Double> d = new ArrayList<>();
                List<Long> ps = new ArrayList<>();
                for (Map.Entry<Long, Map<String, Double>> e : mine.entrySet()) {
                    Map<String, Double> b = base.get(e.getKey());
                    if (b != null && b.containsKey(k) && e.getValue().containsKey(k)) {
                        d.add(e.getValue().get(k) - b.get(k));
                        ps.add(e.getKey());
                    }
                }
                if (!d.isEmpty()) paired.put(k, paired(d, ps));
            }
            rows.add(new RowSummary(r.name(), r.baseline(), r.preset(), r.set(), status.get(r.name()), stats, paired,
                    converged.get(r.name())));
        }
        return new GridSummary(t.name(), t.note(), metric, seeds, rows);
    }

    /** The numbers of one finished cell: run.json's results and the last epoch's activeness from metrics.json. */
    private static Map<String, Double> cellValues(RunFiles run, JsonNode j, String metric) {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("test_" + metric, j.path("test").path(metric).asDouble(Double.NaN));
        v.put("epochs_run", j.path("epochs_run").asDouble(Double.NaN));
        v.put("best_epoch", j.path("best_epoch").asDouble(Double.NaN));
        v.put("train_minutes", j.path("train_seconds").asDouble(Double.NaN) / 60);
        v.put("gflops_per_clip", j.path("gflops_per_clip").asDouble(Double.NaN));
        JsonNode rows = Grid.readJson(run.metricsJson(), false);
        if (rows != null && rows.isArray() && !rows.isEmpty()) {
            JsonNode last = rows.get(rows.size() - 1);
            putIf(v, "eval_activeness", last.get("eval_activeness"));
            putIf(v, "train_activeness", last.get("activeness"));
            putIf(v, "eval_score_std", last.get("eval_score_std"));
            putIf(v, "train_score_std", last.get("score_std"));
        }
        return v;
    }

    private static void putIf(Map<String, Double> v, String key, JsonNode n) {
        if (n != null && n.isNumber()) v.put(key, n.asDouble());
    }

    static Paired paired(List<Double> d, List<Long> seeds) {
        Stat s = Stat.of(d);
        double t = s.n() >= 2 && s.std() > 0 ? s.mean() / (s.std() / Math.sqrt(s.n())) : Double.NaN;
        int above = (int) d.stream().filter(x -> x > 0).count();
        int below = (int) d.stream().filter(x -> x < 0).count();
        String verdict;
        if (s.n() < 3) verdict = "not a result (n < 3)";
        else if (!Double.isNaN(t) && Math.abs(t) > tCritical(s.n() - 1)) verdict = "differs (paired t, two-sided p < 0.05)";
        else verdict = "no clear difference";
        return new Paired(s, List.copyOf(seeds), t, above, below, verdict);
    }

    /** Two-sided 5 % critical value of Student's t with {@code df} degrees of freedom (df ≥ 1). */
    static double tCritical(int df) {
        double[] table = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
            2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
        return df <= table.length ? table[df - 1] : 1.96;
    }

    /** As a JSON-ready map (grid.json, {@code tempora grid --json}). */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", table);
        if (note != null) m.put("note", note);
        m.put("metric", "test_" + metric);
        m.put("metric_note", "test " + metric + " of each run's selected weights (eval.select, default the best validation epoch)");
        m.put("activeness_note", "eval_activeness: eval mode on the validation split; train_activeness: train mode, mean over "
                + "the training batches; both of the last epoch (DiffRes rows only)");
        m.put("seeds", seeds);
        m.put("baseline", rows.stream().filter(RowSummary::baseline).map(RowSummary::row).findFirst().orElse(null));
        List<Object> rs = new ArrayList<>();
        for (RowSummary r : rows) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("row", r.row());
            x.put("baseline", r.baseline());
            x.put("preset", r.preset());
            x.put("set", r.set());
            Map<String, Object> cells = new LinkedHashMap<>();
            r.cells().forEach((k, v) -> cells.put("seed-" + k, v));
            x.put("cells", cells);
            x.put("converged", r.converged());
            x.put("stats", r.stats());
            x.put("paired", r.paired());
            rs.add(x);
        }
        m.put("rows", rs);
        return m;
    }

    /** The table as Markdown, with a header that says what every column is. */
    public String markdown() {
        String testKey = "test_" + metric;
        String base = rows.stream().filter(RowSummary::baseline).map(RowSummary::row).findFirst().orElse("?");
        StringBuilder sb = new StringBuilder();
        sb.append("### Grid ").append(table).append("\n\n");
        if (note != null && !note.isBlank()) sb.append(note.strip()).append("\n\n");
        sb.append(String.format(Locale.ROOT, "Seeds 0–%d per row; n = seeds finished. Test %s (%%) of each run's selected weights "
                + "(the best validation epoch unless eval.select says otherwise), mean ± sample std over seeds. Paired Δ: mean ± "
                + "std of the per-seed differences to the baseline row %s over the seeds both finished, in points; t is the "
                + "paired t statistic and +/− counts the seeds above/below the baseline. Fewer than 3 pairs are not a result. "
                + "Activeness (DiffRes rows): the last epoch's, eval mode on the validation split, train mode in brackets.%n%n",
                seeds - 1, metric, base));
        sb.append("| row | n | test ").append(metric).append(" % | paired Δ vs baseline (points) | t, +/− | epochs run (best) | converged "
                + "| train min | GFLOPs/clip | activeness eval (train) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        List<String> open = new ArrayList<>();
        for (RowSummary r : rows) {
            Stat test = r.stats().get(testKey);
            int n = test == null ? 0 : test.n();
            Paired p = r.paired().get(testKey);
            String pairedText;
            String tText;
            if (r.baseline()) {
                pairedText = "baseline";
                tText = "–";
            } else if (p == null) {
                pairedText = "–";
                tText = "–";
            } else {
                pairedText = String.format(Locale.ROOT, "%+.2f ± %s (n %d)%s", 100 * p.diff().mean(), num(100 * p.diff().std(), 2),
                        p.diff().n(), p.diff().n() < 3 ? ", not a result" : "");
                tText = (Double.isNaN(p.t()) ? "–" : String.format(Locale.ROOT, "%.2f", p.t())) + ", " + p.above() + "/" + p.below();
            }
            sb.append("| ").append(r.row()).append(r.baseline() ? " (baseline)" : "")
                    .append(" | ").append(n)
                    .append(" | ").append(test == null ? "–" : pm(test, 100, 2))
                    .append(" | ").append(pairedText)
                    .append(" | ").append(tText)
                    .append(" | ").append(r.stats().containsKey("epochs_run")
                            ? pm(r.stats().get("epochs_run"), 1, 1) + " (" + num(r.stats().get("best_epoch").mean(), 1) + ")" : "–")
                    .append(" | ").append(n == 0 ? "–" : r.converged() + "/" + n)
                    .append(" | ").append(r.stats().containsKey("train_minutes") ? pm(r.stats().get("train_minutes"), 1, 1) : "–")
                    .append(" | ").append(r.stats().containsKey("gflops_per_clip") ? num(r.stats().get("gflops_per_clip").mean(), 3) : "–")
                    .append(" | ").append(r.stats().containsKey("eval_activeness")
                            ? num(r.stats().get("eval_activeness").mean(), 4) + " (" + (r.stats().containsKey("train_activeness")
                            ? num(r.stats().get("train_activeness").mean(), 4) : "–") + ")" : "–")
                    .append(" |\n");
            r.cells().forEach((s, st) -> {
                if (!st.equals("finished")) open.add(r.row() + "/seed-" + s + " " + st);
            });
        }
        if (!open.isEmpty()) sb.append("\nNot finished: ").append(String.join("; ", open)).append(".\n");
        return sb.toString();
    }

    private static String pm(Stat s, double scale, int decimals) {
        return num(scale * s.mean(), decimals) + " ± " + num(scale * s.std(), decimals);
    }

    private static String num(double v, int decimals) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
