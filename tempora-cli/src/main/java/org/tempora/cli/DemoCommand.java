package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tempora.audio.WavWriter;
import org.tempora.audio.Waveform;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.FeatureCache;
import org.tempora.data.SyntheticDataset;
import org.tempora.run.Experiment;
import org.tempora.run.Inference;
import org.tempora.run.ModelBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tempora demo}: the main job on the embedded synthetic data, end to end, in a few minutes on 2 cores. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Build the built-in synthetic dataset (10 classes that differ in temporal structure), train a small AST, "
                + "evaluate it on the test split, classify a few example clips (one of them long, scored in sliding windows), "
                + "and write the report. Uses the 'demo' preset; --set overrides any value."})
final class DemoCommand extends CliCommand {
    @Option(names = {"-o", "--out"}, defaultValue = "runs/demo", paramLabel = "RUN", description = "Run folder (replaced if it exists; default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override a config value (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Mixin
    ThreadsOption threads;

    @Option(names = {"-q", "--quiet"}, description = "Only the summary.")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter o = out();
        ExperimentConfig cfg = ConfigLoader.load("demo", null, overrides);
        int n = threads.resolve();
        long t0 = System.nanoTime();
        o.println("tempora demo: synthetic data → fbank → AST → report (" + n + " threads)");
        Experiment.Summary s = Experiment.train(cfg, new Experiment.Options(out, FeatureCache.defaultRoot(), false, true, n),
                new CliRunListener(o, quiet));
        TrainCommand.printSummary(o, s);
        // a few example clips: three single clips and one long clip made of four classes in a row
        Path examples = out.resolve("examples");
        List<Path> files = new ArrayList<>();
        int[] classes = {0, 3, 5};
        for (int c : classes) {
            float[] x = SyntheticDataset.generate(cfg.seed() + 999, c, 0, 1.0);
            Path f = examples.resolve(SyntheticDataset.CLASSES.get(c) + ".wav");
            WavWriter.write(f, new Waveform(x, SyntheticDataset.SAMPLE_RATE, f.toString()), WavWriter.Encoding.PCM_16);
            files.add(f);
        }
        int[] sequence = {1, 6, 8, 2};
        float[] longClip = new float[sequence.length * SyntheticDataset.SAMPLE_RATE];
        for (int i = 0; i < sequence.length; i++) {
            float[] x = SyntheticDataset.generate(cfg.seed() + 999, sequence[i], 1, 1.0);
            System.arraycopy(x, 0, longClip, i * SyntheticDataset.SAMPLE_RATE, x.length);
        }
        Path lf = examples.resolve("sequence_clicks_fast-am_tone-gapped_noise-chirp_up.wav");
        WavWriter.write(lf, new Waveform(longClip, SyntheticDataset.SAMPLE_RATE, lf.toString()), WavWriter.Encoding.PCM_16);
        files.add(lf);
        o.println("classifying example clips (written to " + examples + "):");
        try (ModelBundle m = ModelBundle.load(out, n)) {
            for (Path f : files) {
                Inference.FileResult r = Inference.classify(m, f, 3, 0);
                StringBuilder line = new StringBuilder("  " + f.getFileName() + ":");
                for (Inference.Label l : r.top()) line.append(String.format(Locale.ROOT, " %s %.2f", l.name(), l.score()));
                o.println(line);
                for (Inference.Window w : r.windows()) {
                    o.printf(Locale.ROOT, "      %.2f-%.2f s  %s %.2f%n", w.startSeconds(), w.endSeconds(), w.top().get(0).name(), w.top().get(0).score());
                }
            }
        }
        o.printf(Locale.ROOT, "demo finished in %.0f s; open %s%n", (System.nanoTime() - t0) / 1e9, s.run().report().toAbsolutePath());
        o.flush();
        return Main.EXIT_OK;
    }
}
