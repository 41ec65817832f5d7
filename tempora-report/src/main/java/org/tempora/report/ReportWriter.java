package org.tempora.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tempora.InvalidInputException;
import org.tempora.TemporaException;
import org.tempora.io.AtomicFiles;

/**
 * Writes a run's report: PNG charts into {@code runDir/report/} and a self-contained {@code runDir/report.html}
 * (inline CSS, relative image links, every text HTML-escaped except the trusted snippets of
 * {@link ReportData.Section#html}).
 *
 * <p>Charts, chosen from what the data holds:
 * <ul>
 *   <li>{@value #LOSS_PNG}: epoch-row keys containing {@code loss};</li>
 *   <li>{@value #METRIC_PNG}: the other numeric keys, except {@code epoch}, {@code phase}, {@code step}, learning
 *       rates and timing keys (containing {@code second}, {@code time}, {@code per_s}, {@code throughput},
 *       {@code examples});</li>
 *   <li>{@value #LR_PNG}: {@code lr} and keys starting with {@code lr_};</li>
 *   <li>{@value #CONFUSION_PNG}: when a confusion matrix is given;</li>
 *   <li>{@value #PER_CLASS_PNG}: per-class rows with a numeric column ({@code f1}, else {@code ap}, {@code auc},
 *       {@code recall}, {@code precision}, {@code accuracy}, else the first numeric column other than counts).</li>
 * </ul>
 * The x axis is the {@code epoch} key (else the row number); phase boundaries are dashed vertical lines. A section
 * with a DiffRes explanation gets its picture ({@link ExplainChart}) as {@code explain-0.png}, {@code explain-1.png}, …
 *
 * <p>Failure safety: everything is rendered in memory first, so a rendering error writes nothing. Each file is then
 * written atomically (temporary file + rename) — PNGs first, {@code report.html} last — so no file is ever
 * half-written and the HTML never links a chart that is not there. Standard chart files that this report does not
 * produce are deleted afterwards.
 */
public final class ReportWriter {
    private ReportWriter() {}

    public static final String REPORT_DIR = "report";
    public static final String HTML_FILE = "report.html";
    public static final String LOSS_PNG = "curves_loss.png";
    public static final String METRIC_PNG = "curves_metric.png";
    public static final String LR_PNG = "curves_lr.png";
    public static final String CONFUSION_PNG = "confusion.png";
    public static final String PER_CLASS_PNG = "per_class.png";
    /** The picture of the k-th section with a DiffRes explanation ({@link ExplainChart}), k from 0. */
    public static final String EXPLAIN_PNG = "explain-%d.png";
    private static final List<String> STANDARD_PNGS = List.of(LOSS_PNG, METRIC_PNG, LR_PNG, CONFUSION_PNG, PER_CLASS_PNG);
    private static final List<String> PER_CLASS_PREFERRED = List.of("f1", "ap", "auc", "recall", "precision", "accuracy");
    private static final Set<String> COUNT_COLUMNS = Set.of("support", "positives", "count", "predicted");

    /** The epoch-row keys behind each curve chart. */
    record CurveKeys(List<String> loss, List<String> metric, List<String> lr, List<String> other) {
        CurveKeys(List<String> loss, List<String> metric, List<String> lr) {
            this(loss, metric, lr, List.of());
        }
    }

    /** The epoch-row quantities on a 0–1 scale (accuracy, mAP, AUC, F1…): these share the metric chart. */
    private static final java.util.regex.Pattern SCORE = java.util.regex.Pattern.compile(
            "(^|_)(top\\d+|acc(uracy)?|m?ap|m?auc|f1|precision|recall|metric)($|_)", java.util.regex.Pattern.CASE_INSENSITIVE);

    /** The chart file of a quantity that gets a chart of its own. */
    static String curveFile(String key) {
        return "curves_" + key.replaceAll("[^A-Za-z0-9_-]", "_") + ".png";
    }

    /** Classifies the numeric epoch-row keys (in first-appearance order) into loss, metric and learning-rate curves. */
    static CurveKeys curveKeys(List<Map<String, Object>> epochs) {
        Set<String> numeric = new LinkedHashSet<>();
        for (Map<String, Object> row : epochs) {
            row.forEach((k, v) -> {
                if (v instanceof Number) numeric.add(k);
            });
        }
        List<String> loss = new ArrayList<>();
        List<String> metric = new ArrayList<>();
        List<String> lr = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (String k : numeric) {
            String lk = k.toLowerCase(Locale.ROOT);
            if (lk.equals("epoch") || lk.equals("phase") || lk.equals("step") || lk.equals("steps")) continue;
            if (lk.contains("loss")) loss.add(k);
            else if (lk.equals("lr") || lk.startsWith("lr_") || lk.equals("learning_rate")) lr.add(k);
            else if (lk.contains("second") || lk.contains("time") || lk.contains("per_s") || lk.contains("throughput")
                    || lk.contains("examples")) continue;
            else if (SCORE.matcher(k).find()) metric.add(k);
            else other.add(k);   // tokens, FLOPs, DiffRes's score spread…: each on an axis of its own scale
        }
        return new CurveKeys(loss, metric, lr, other);
    }

    /**
     * Writes the report of {@code data} into {@code runDir} and returns the path of {@code report.html}.
     *
     * @throws InvalidInputException if a section image does not exist or the data cannot be drawn
     * @throws TemporaException      if a file cannot be written
     */
    public static Path write(Path runDir, ReportData data) {
        Path reportDir = runDir.resolve(REPORT_DIR);
        Map<String, byte[]> files = new LinkedHashMap<>(); // name in report/ → content
        List<Double> markers = data.phaseBoundaries();

        // ---- curves
        CurveKeys keys = curveKeys(data.epochs());
        addCurve(files, LOSS_PNG, "Loss", "loss", keys.loss(), data, markers);
        addCurve(files, METRIC_PNG, "Accuracy", "metric (0–1)", keys.metric(), data, markers);
        addCurve(files, LR_PNG, "Learning rate", "learning rate", keys.lr(), data, markers);
        for (String k : keys.other()) {
            // a quantity logged in train mode (k) and in eval mode on the validation split (eval_k) shares one chart
            if (k.startsWith("eval_") && keys.other().contains(k.substring(5))) continue;
            boolean pair = keys.other().contains("eval_" + k);
            addCurve(files, curveFile(k), pair ? k + " (train mode; eval_: eval mode, validation split)" : k, k,
                    pair ? List.of(k, "eval_" + k) : List.of(k), data, markers);
        }

        // ---- confusion matrix
        List<String> classNames = data.resolvedClassNames();
        if (data.confusion() != null) {
            files.put(CONFUSION_PNG, Charts.confusionMatrixPng(data.confusion(), classNames));
        }

        // ---- per-class bar chart
        String perClassColumn = perClassColumn(data.perClass());
        if (perClassColumn != null) {
            List<String> names = new ArrayList<>();
            double[] values = new double[data.perClass().size()];
            for (int i = 0; i < values.length; i++) {
                Map<String, Object> row = data.perClass().get(i);
                Object name = row.containsKey("class") ? row.get("class") : row.get("name");
                names.add(name != null ? String.valueOf(name) : i < classNames.size() ? classNames.get(i) : String.valueOf(i));
                values[i] = row.get(perClassColumn) instanceof Number n ? n.doubleValue() : Double.NaN;
            }
            files.put(PER_CLASS_PNG, Charts.barChartPng("Per-class " + perClassColumn, "class", perClassColumn, names, values));
        }

        // ---- extra section images: DiffRes explanations drawn here, image files linked or copied
        Path absRun = runDir.toAbsolutePath().normalize();
        List<String> sectionImages = new ArrayList<>();
        int explanations = 0;
        for (int i = 0; i < data.sections().size(); i++) {
            ReportData.Section s = data.sections().get(i);
            if (s.explanation() != null) {
                String name = String.format(Locale.ROOT, EXPLAIN_PNG, explanations++);
                files.put(name, ExplainChart.png(s.explanation()));
                sectionImages.add(REPORT_DIR + "/" + name);
                continue;
            }
            if (s.image() == null) {
                sectionImages.add(null);
                continue;
            }
            Path img = s.image().isAbsolute() ? s.image().normalize() : absRun.resolve(s.image()).normalize();
            if (!Files.isRegularFile(img)) {
                throw new InvalidInputException(img, "image of report section '" + s.title() + "' does not exist");
            }
            if (img.startsWith(absRun)) {
                sectionImages.add(relativeLink(absRun.relativize(img)));
            } else {
                String name = String.format(Locale.ROOT, "section%02d_%s", i + 1, img.getFileName());
                try {
                    files.put(name, Files.readAllBytes(img));
                } catch (IOException e) {
                    throw new InvalidInputException(img, "cannot read report image: " + e.getMessage(), e);
                }
                sectionImages.add(REPORT_DIR + "/" + name);
            }
        }

        String html = html(data, files.keySet(), keys, perClassColumn, sectionImages);

        // ---- write: charts first, HTML last, each atomically
        Path htmlPath = runDir.resolve(HTML_FILE);
        try {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                byte[] bytes = f.getValue();
                AtomicFiles.write(reportDir.resolve(f.getKey()), out -> out.write(bytes));
            }
            AtomicFiles.writeString(htmlPath, html);
            for (String stale : STANDARD_PNGS) {
                if (!files.containsKey(stale)) Files.deleteIfExists(reportDir.resolve(stale));
            }
        } catch (IOException e) {
            throw new TemporaException(runDir + ": cannot write the report: " + e.getMessage(), e);
        }
        return htmlPath;
    }

    private static void addCurve(Map<String, byte[]> files, String file, String title, String yLabel, List<String> keys,
                                 ReportData data, List<Double> markers) {
        if (keys.isEmpty()) return;
        Map<String, double[][]> series = new LinkedHashMap<>();
        boolean any = false;
        List<Map<String, Object>> rows = data.epochs();
        for (String k : keys) {
            double[] x = new double[rows.size()];
            double[] y = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                Map<String, Object> r = rows.get(i);
                x[i] = r.get("epoch") instanceof Number n ? n.doubleValue() : i + 1;
                y[i] = r.get(k) instanceof Number n ? n.doubleValue() : Double.NaN;
                any |= Double.isFinite(y[i]);
            }
            series.put(k, new double[][] {x, y});
        }
        if (any) files.put(file, Charts.lineChartPng(title, "epoch", yLabel, series, markers));
    }

    /** The per-class column to plot, or null if none is numeric. */
    static String perClassColumn(List<Map<String, Object>> rows) {
        if (rows.isEmpty()) return null;
        Set<String> numeric = new LinkedHashSet<>();
        for (Map<String, Object> r : rows) {
            r.forEach((k, v) -> {
                if (v instanceof Number) numeric.add(k);
            });
        }
        for (String p : PER_CLASS_PREFERRED) if (numeric.contains(p)) return p;
        for (String k : numeric) if (!COUNT_COLUMNS.contains(k)) return k;
        return null;
    }

    private static String relativeLink(Path rel) {
        StringBuilder sb = new StringBuilder();
        for (Path part : rel) {
            if (sb.length() > 0) sb.append('/');
            sb.append(part);
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------- HTML

    private static final String CSS = """
            body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;
            padding:24px;color:#222;line-height:1.45}
            h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;
            margin-top:1.8em}
            .meta{color:#666;margin-top:0}
            table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
            th,td{border:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}
            th{background:#f4f6f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
            table.kv th{width:16em}
            .scroll{overflow-x:auto;max-height:40em;overflow-y:auto}
            img{max-width:100%;height:auto;border:1px solid #eee;margin:.4em 0}
            figure{margin:.8em 0}figcaption{color:#555;font-size:.9em}
            pre{background:#f6f8fa;padding:12px;overflow-x:auto;font-size:.88em;border:1px solid #eee}
            nav a{margin-right:1em}
            """;

    private static String html(ReportData d, Set<String> files, CurveKeys keys, String perClassColumn,
                               List<String> sectionImages) {
        StringBuilder h = new StringBuilder(16_384);
        String name = Html.escape(d.runName());
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>tempora report — ").append(name).append("</title>\n<style>\n").append(CSS)
                .append("</style>\n</head>\n<body>\n");
        h.append("<h1>").append(name).append("</h1>\n");
        if (!d.createdAt().isEmpty()) h.append("<p class=\"meta\">created ").append(Html.escape(d.createdAt())).append("</p>\n");

        // run facts
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("run", d.runName());
        if (!d.createdAt().isEmpty()) run.put("created", d.createdAt());
        run.put("seed", Long.toString(d.seed()));
        if (!d.dataDigest().isEmpty()) run.put("data digest", d.dataDigest());
        d.versions().forEach((k, v) -> run.put(k + " version", v));
        section(h, "run", "Run");
        kvTable(h, run);

        if (!d.metrics().isEmpty()) {
            section(h, "metrics", "Test metrics");
            kvTable(h, d.metrics());
        }
        boolean curves = files.contains(LOSS_PNG) || files.contains(METRIC_PNG) || files.contains(LR_PNG);
        if (curves) {
            section(h, "curves", "Training curves");
            if (!d.phaseBoundaries().isEmpty()) {
                h.append("<p>Dashed lines: start of a new phase at epoch ");
                List<String> b = new ArrayList<>();
                for (Double x : d.phaseBoundaries()) {
                    b.add(Html.escape(x == Math.rint(x) && Math.abs(x) < 1e9 ? Long.toString(x.longValue()) : Html.format(x)));
                }
                h.append(String.join(", ", b)).append(".</p>\n");
            }
            figure(h, files, METRIC_PNG, "Accuracy: " + String.join(", ", keys.metric()));
            figure(h, files, LOSS_PNG, "Loss: " + String.join(", ", keys.loss()));
            figure(h, files, LR_PNG, "Learning rate: " + String.join(", ", keys.lr()));
            for (String k : keys.other()) {
                figure(h, files, curveFile(k), keys.other().contains("eval_" + k)
                        ? k + ": train mode (mean over the epoch's training batches); eval_" + k + ": eval mode on the validation split" : k);
            }
        }
        if (!d.flops().isEmpty()) {
            section(h, "flops", "FLOPs (per example, analytic)");
            kvTable(h, d.flops());
            h.append("<p class=\"meta\">Matrix products count 2 FLOPs per multiply-accumulate; elementwise work is "
                    + "listed apart; a training step ≈ 3 × forward (docs/flops.md).</p>\n");
        }
        if (!d.timing().isEmpty()) {
            section(h, "timing", "Timing");
            kvTable(h, d.timing());
        }
        if (files.contains(CONFUSION_PNG)) {
            section(h, "confusion", "Confusion matrix");
            figure(h, files, CONFUSION_PNG, "Rows: true class; columns: predicted class; colour: fraction of the row.");
        }
        if (!d.perClass().isEmpty()) {
            section(h, "per-class", "Per class");
            if (perClassColumn != null) figure(h, files, PER_CLASS_PNG, "Per-class " + perClassColumn + ".");
            rowsTable(h, d.perClass());
        }
        if (!d.epochs().isEmpty()) {
            section(h, "epochs", "Epochs");
            rowsTable(h, d.epochs());
        }
        for (int i = 0; i < d.sections().size(); i++) {
            ReportData.Section s = d.sections().get(i);
            section(h, "section-" + (i + 1), s.title());
            if (s.html() != null) h.append(s.html()).append('\n');
            if (sectionImages.get(i) != null) {
                h.append("<figure><img src=\"").append(Html.escape(sectionImages.get(i))).append("\" alt=\"")
                        .append(Html.escape(s.title())).append("\">");
                if (s.caption() != null) h.append("<figcaption>").append(Html.escape(s.caption())).append("</figcaption>");
                h.append("</figure>\n");
            }
        }
        if (!d.notes().isEmpty()) {
            section(h, "notes", "Notes");
            h.append("<ul>\n");
            for (String n : d.notes()) h.append("<li>").append(Html.escape(n)).append("</li>\n");
            h.append("</ul>\n");
        }
        if (!d.configText().isEmpty()) {
            section(h, "config", "Resolved config");
            h.append("<pre>").append(Html.escape(d.configText())).append("</pre>\n");
        }
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void section(StringBuilder h, String id, String title) {
        h.append("<h2 id=\"").append(Html.escape(id)).append("\">").append(Html.escape(title)).append("</h2>\n");
    }

    private static void figure(StringBuilder h, Set<String> files, String file, String caption) {
        if (!files.contains(file)) return;
        h.append("<figure><img src=\"").append(REPORT_DIR).append('/').append(file).append("\" alt=\"")
                .append(Html.escape(caption)).append("\"><figcaption>").append(Html.escape(caption))
                .append("</figcaption></figure>\n");
    }

    private static void kvTable(StringBuilder h, Map<String, ?> m) {
        h.append("<table class=\"kv\">\n");
        m.forEach((k, v) -> h.append("<tr><th>").append(Html.escape(k)).append("</th>").append(cell(v)).append("</tr>\n"));
        h.append("</table>\n");
    }

    private static void rowsTable(StringBuilder h, List<Map<String, Object>> rows) {
        Set<String> cols = new LinkedHashSet<>();
        for (Map<String, Object> r : rows) cols.addAll(r.keySet());
        h.append("<div class=\"scroll\"><table>\n<tr>");
        for (String c : cols) h.append("<th>").append(Html.escape(c)).append("</th>");
        h.append("</tr>\n");
        for (Map<String, Object> r : rows) {
            h.append("<tr>");
            for (String c : cols) h.append(cell(r.get(c)));
            h.append("</tr>\n");
        }
        h.append("</table></div>\n");
    }

    private static String cell(Object v) {
        String cls = v instanceof Number ? " class=\"num\"" : "";
        return "<td" + cls + ">" + Html.escape(Html.format(v)) + "</td>";
    }
}
