package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.data.FeatureCache;
import org.tempora.data.Split;
import org.tempora.run.Experiment;
import org.tempora.run.ModelBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tempora eval --model RUN}: metrics of a trained model on a dataset split. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a trained model on a split of its dataset (or of another folder in the same layout and classes): "
                + "top-1/top-5, per-class report and confusion (single-label) or mAP, mAUC, d' (multi-label), FLOPs and speed.")
final class EvalCommand extends CliCommand {
    @Mixin
    ModelOption model;

    @Option(names = "--data", paramLabel = "PATH", description = "Dataset folder (default: the one the model was trained on).")
    String data;

    @Option(names = "--split", defaultValue = "test", description = "train, valid or test (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--per-class", description = "Print the per-class report.")
    boolean perClass;

    @Option(names = "--confusion", description = "Print the confusion matrix (rows: true class).")
    boolean confusion;

    @Option(names = "--json", description = "Print the result as one JSON line.")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--cache", paramLabel = "DIR", description = "Feature cache folder.")
    Path cache;

    @Option(names = "--skip-bad", description = "Skip bad entries instead of failing.")
    boolean skipBad;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() {
        device.apply();
        Split s = switch (split) {
            case "train" -> Split.TRAIN;
            case "valid", "validation" -> Split.VALID;
            case "test" -> Split.TEST;
            default -> throw new ConfigException("--split must be train, valid or test, got '" + split + "'");
        };
        PrintWriter o = out();
        int n = threads.resolve();
        try (ModelBundle m = ModelBundle.load(model.model, n)) {
            Experiment.EvalSummary r = Experiment.evaluate(m, data, s, cache != null ? cache : FeatureCache.defaultRoot(), n, skipBad,
                    new CliRunListener(o, json));
            if (json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("model", model.model.toString());
                j.put("data", r.data());
                j.put("split", r.split());
                j.put("loss", r.loss());
                j.putAll(r.result().asMap());
                j.putAll(r.costs());
                o.println(Json.MAPPER.valueToTree(j));
            } else {
                o.printf("%s on %s (%s split, %d clips)%n", model.model, r.data(), r.split(), r.examples());
                r.result().asMap().forEach((k, v) -> o.printf(Locale.ROOT, "  %-20s %s%n", k, TrainCommand.fmt(v)));
                o.printf(Locale.ROOT, "  %-20s %.4f%n", "loss", r.loss());
                r.costs().forEach((k, v) -> o.printf(Locale.ROOT, "  %-24s %s%n", k, v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : v));
                if (perClass) {
                    List<Map<String, Object>> rows = r.result().perClassRows(m.classes);
                    for (Map<String, Object> row : rows) o.println("  " + row);
                }
                if (confusion && r.result().confusion() != null) {
                    int[][] c = r.result().confusion();
                    for (int i = 0; i < c.length; i++) {
                        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-14s", m.classes.get(i)));
                        for (int v : c[i]) line.append(String.format(Locale.ROOT, "%5d", v));
                        o.println(line);
                    }
                }
            }
            o.flush();
        }
        return Main.EXIT_OK;
    }
}
