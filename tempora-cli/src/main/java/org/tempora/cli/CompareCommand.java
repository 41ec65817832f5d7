package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tempora.run.RunComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tempora compare --baseline RUN RUN...}: the papers' comparison tables from finished runs. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Compare finished runs with a baseline run: test metric and its difference, tokens, GFLOPs per clip "
                + "(total/backbone), training time per epoch, latency, and FLOPs/time saved as %% of the baseline's up to its "
                + "best epoch under the two stopping rules (first final-phase epoch that surpasses the baseline; convergence).",
                "Prints a Markdown table (or JSON lines with --json)."})
final class CompareCommand implements Callable<Integer> {
    @Option(names = {"-b", "--baseline"}, required = true, paramLabel = "RUN")
    Path baseline;

    @Parameters(arity = "0..*", paramLabel = "RUN")
    List<Path> runs = List.of();

    @Option(names = "--json", description = "One JSON object per run.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        List<RunComparison.Row> rows = RunComparison.compare(baseline, runs);
        if (json) {
            for (RunComparison.Row r : rows) {
                var m = new LinkedHashMap<String, Object>();
                m.put("run", r.dir().toString());
                m.putAll(r.values());
                o.println(Json.MAPPER.valueToTree(m));
            }
        } else {
            String metric = rows.get(0).values().keySet().iterator().next();
            o.printf("| run | %s | Δ | tokens | GFLOPs/clip (backbone) | epochs | train s/epoch | latency ms | surpass: epoch, test, FLOPs saved, time saved | converge: epoch, valid, FLOPs saved, time saved |%n", metric);
            o.println("|---|---|---|---|---|---|---|---|---|---|");
            for (RunComparison.Row r : rows) {
                var v = r.values();
                boolean base = !v.containsKey("delta");
                o.printf(Locale.ROOT, "| %s | %.4f | %s | %d | %.3f (%.3f) | %d | %.1f | %.1f | %s | %s |%n", r.name(), (Double) v.get(metric),
                        base ? "baseline" : String.format(Locale.ROOT, "%+.4f", (Double) v.get("delta")), (Integer) v.get("tokens"),
                        (Double) v.get("gflops_per_clip"), (Double) v.get("gflops_backbone"), (Integer) v.get("epochs"),
                        (Double) v.get("train_s_per_epoch"), (Double) v.get("latency_ms"),
                        base ? "–" : rule(v, "surpass", true), base ? "–" : rule(v, "converge", false));
            }
        }
        o.flush();
        return Main.EXIT_OK;
    }

    private static String rule(Map<String, Object> v, String rule, boolean test) {
        if (!(Boolean) v.get(rule + "_reached")) return "not reached";
        double m = (Double) v.get(rule + (test ? "_test" : "_valid"));
        return String.format(Locale.ROOT, "%d, %s, %.1f %%, %.1f %%", (Integer) v.get(rule + "_epoch"),
                Double.isNaN(m) ? "n/a" : String.format(Locale.ROOT, "%.4f", m),
                (Double) v.get(rule + "_flops_saved_pct"), (Double) v.get(rule + "_time_saved_pct"));
    }
}
