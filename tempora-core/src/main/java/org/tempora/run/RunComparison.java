package org.tempora.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.train.EpochRecord;
import org.tempora.train.RunFiles;
import org.tempora.train.phases.PhaseAccounting;

/**
 * Compares finished runs with a baseline run, row by row, as the papers' tables do: final test metric, tokens,
 * GFLOPs per clip (total and backbone), training time per epoch, latency; and the coarse-to-fine accounting
 * (FLOPs and time saved as % of the baseline's, counted up to the baseline's best epoch) under the two stopping
 * rules — the first final-phase epoch that surpasses the baseline's best validation metric, and training to
 * convergence (the best final-phase epoch).
 */
public final class RunComparison {
    private RunComparison() {}

    /** One row of the comparison. */
    public record Row(String name, Path dir, Map<String, Object> values) {}

    public static List<Row> compare(Path baseline, List<Path> runs) {
        JsonNode baseRun = json(new RunFiles(baseline).runJson());
        List<EpochRecord> baseHist = history(new RunFiles(baseline));
        List<Row> rows = new ArrayList<>();
        rows.add(row(baseline, baseRun, baseHist, null, null));
        for (Path r : runs) {
            JsonNode j = json(new RunFiles(r).runJson());
            rows.add(row(r, j, history(new RunFiles(r)), baseHist, baseRun));
        }
        return rows;
    }

    private static Row row(Path dir, JsonNode run, List<EpochRecord> hist, List<EpochRecord> baseHist, JsonNode baseRun) {
        Map<String, Object> v = new LinkedHashMap<>();
        JsonNode test = run.get("test");
        String metric = test.has("mAP") ? "mAP" : "top1";
        v.put("test_" + metric, test.get(metric).asDouble());
        if (baseRun != null) v.put("delta", test.get(metric).asDouble() - baseRun.get("test").get(metric).asDouble());
        v.put("tokens", run.path("tokens").asInt());
        v.put("gflops_per_clip", run.path("gflops_per_clip").asDouble());
        v.put("gflops_backbone", run.path("gflops_backbone").asDouble());
        double seconds = hist.stream().mapToDouble(EpochRecord::seconds).sum();
        v.put("epochs", hist.size());
        v.put("train_s_per_epoch", hist.isEmpty() ? Double.NaN : seconds / hist.size());
        v.put("train_seconds", seconds);
        v.put("latency_ms", run.path("latency_ms_single_clip").asDouble());
        if (baseHist != null) {
            List<PhaseAccounting.Epoch> e = PhaseAccounting.fromRecords(hist);
            PhaseAccounting.Report rep = PhaseAccounting.report(e, PhaseAccounting.fromRecords(baseHist));
            put(v, "surpass", rep.surpass(), hist);
            put(v, "converge", rep.converge(), hist);
        }
        return new Row(dir.getFileName().toString(), dir, v);
    }

    private static void put(Map<String, Object> v, String rule, PhaseAccounting.Outcome o, List<EpochRecord> hist) {
        v.put(rule + "_reached", o.reached());
        v.put(rule + "_epoch", o.stopEpoch());
        v.put(rule + "_valid", o.metric());
        Double test = null;
        for (EpochRecord r : hist) {
            if (r.epoch() == o.stopEpoch()) {
                for (Map.Entry<String, Double> x : r.extra().entrySet()) if (x.getKey().startsWith("test_")) test = x.getValue();
            }
        }
        v.put(rule + "_test", test == null ? Double.NaN : test);
        v.put(rule + "_flops_saved_pct", o.flopsSavingPct());
        v.put(rule + "_time_saved_pct", o.timeSavingPct());
    }

    static List<EpochRecord> history(RunFiles run) {
        JsonNode rows = json(run.metricsJson());
        List<EpochRecord> out = new ArrayList<>();
        for (JsonNode r : rows) {
            Map<String, Double> extra = new LinkedHashMap<>();
            String metricName = null;
            double metric = Double.NaN;
            var it = r.fields();
            while (it.hasNext()) {
                var f = it.next();
                String k = f.getKey();
                if (k.startsWith("valid_") && !k.equals("valid_loss") && !k.equals("valid_seconds")) {
                    metricName = k.substring(6);
                    metric = f.getValue().asDouble();
                } else if (!List.of("epoch", "phase", "train_loss", "valid_loss", "lr", "seconds", "examples_per_s").contains(k)) {
                    extra.put(k, f.getValue().asDouble());
                }
            }
            out.add(new EpochRecord(r.get("epoch").asInt(), r.get("phase").asInt(), r.get("train_loss").asDouble(),
                    r.get("valid_loss").asDouble(), metric, metricName, r.get("lr").asDouble(), r.get("seconds").asDouble(),
                    r.get("examples_per_s").asDouble(), extra));
        }
        return out;
    }

    private static JsonNode json(Path p) {
        if (!Files.isRegularFile(p)) throw new InvalidInputException(p, "missing (is " + p.getParent() + " a finished run?)");
        try {
            return RunFiles.JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new InvalidInputException(p, "not valid JSON: " + Messages.io(e, p), e);
        }
    }
}
