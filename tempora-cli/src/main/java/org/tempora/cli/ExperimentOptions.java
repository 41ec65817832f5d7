package org.tempora.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ConfigValidator;
import org.tempora.config.ExperimentConfig;
import org.tempora.train.phases.PhaseSchedule;
import picocli.CommandLine.Option;

/** How a command names its experiment: a preset, a config file, and overrides (later ones win). */
final class ExperimentOptions {
    @Option(names = {"-p", "--preset"}, paramLabel = "NAME", description = "A named preset (see 'tempora presets').")
    String preset;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "A YAML/JSON experiment config (may 'extends: <preset>').")
    Path config;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override one config value, e.g. --set train.lr=1e-4 --set tokens.patch=[16,4]. Repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--data", paramLabel = "PATH", description = "Dataset folder, or 'synthetic' (sets data.path).")
    String data;

    @Option(names = "--layout", paramLabel = "LAYOUT", description = "auto, speechcommands, esc50, audioset, folders, synthetic (sets data.layout).")
    String layout;

    @Option(names = "--epochs", converter = OptionValues.Count.class, description = "Sets train.epochs.")
    Integer epochs;

    @Option(names = "--seed", description = "Sets seed (the same seed, data and config give the same metrics on CPU).")
    Long seed;

    @Option(names = "--skip-bad", description = "Skip bad dataset entries and unreadable audio (listed) instead of failing.")
    boolean skipBad;

    @Option(names = "--phases", paramLabel = "SCHEDULE", description = "Coarse-to-fine schedule, e.g. 'fshift 4->1 @25%%', "
            + "'avgpool 2->1 @5' (epochs), 'patch-pi 4->2->1 @30%%' (sets train.phases; see docs/coarse-to-fine.md).")
    String phases;

    ExperimentConfig build() {
        return build(null);
    }

    /** Whether a preset or config file was given (otherwise a resumed run starts from its own recorded config). */
    boolean namesAnExperiment() {
        return preset != null || config != null;
    }

    /** The config from {@code recorded} (a run's config.yaml) if not null, else from the preset/file; then the overrides. */
    ExperimentConfig build(Path recorded) {
        List<String> all = new ArrayList<>(overrides);
        if (data != null) all.add("data.path=" + quote(data));
        if (layout != null) all.add("data.layout=" + layout);
        if (epochs != null) all.add("train.epochs=" + epochs);
        if (seed != null) all.add("seed=" + seed);
        if (skipBad) all.add("data.skip_bad=true");
        ExperimentConfig c = recorded != null ? ConfigLoader.loadRecorded(recorded, all) : ConfigLoader.load(preset, config, all);
        if (phases == null) return c;
        ExperimentConfig withPhases = c.withTrain(c.train().withPhases(PhaseSchedule.parseSpec(phases)));
        ConfigValidator.validate(withPhases, "--phases '" + phases + "'");
        return withPhases;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
