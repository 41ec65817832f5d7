package org.tempora.extending;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.ConfigException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.model.Components;
import org.tempora.run.Experiment;
import org.tempora.run.ModelBundle;
import org.tempora.run.RunListener;

/**
 * Does exactly what docs/extending.md tells a newcomer to do, touching only the files it names: a backbone class
 * with its config record ({@link FrameMlpBackbone}), one registry line, one preset (here a config file); then the
 * new backbone trains, saves, loads and classifies through the normal pipeline.
 */
class ExtendingTest {
    @TempDir
    Path tmp;

    @Test
    void aNewBackboneTrainsSavesAndLoads() throws IOException {
        Components.register("framemlp", FrameMlpBackbone.Spec.class, FrameMlpBackbone.Spec.DEFAULTS, FrameMlpBackbone::build); // the registry line
        Path preset = tmp.resolve("framemlp-demo.yaml");                                     // the preset
        Files.writeString(preset, """
                extends: demo
                name: framemlp-demo
                backbone: {kind: framemlp, dim: 16}
                data: {synthetic: {classes: 4, clips_per_class: 60}}
                augment: {freqm: 0, timem: 0}
                train: {epochs: 12, batch_size: 16, schedule: {warmup_steps: 5}}
                """);
        ExperimentConfig cfg = ConfigLoader.load(null, preset, List.of());
        Path out = tmp.resolve("run");
        Experiment.Summary s = Experiment.train(cfg, new Experiment.Options(out, tmp.resolve("cache"), false, true, 2), new RunListener() {});
        // the synthetic classes differ by temporal structure, which a map over all frames can see: well above chance (0.25)
        assertThat(s.test().top1()).isGreaterThan(0.6);
        try (ModelBundle m = ModelBundle.load(out, 2)) {
            assertThat(m.model.backbone()).isInstanceOf(FrameMlpBackbone.class);
            assertThat(m.model.stateDict().keySet()).containsExactly("proj.weight", "proj.bias", "head.weight", "head.bias");
            // FLOPs come from the component's own count: 100 frames x 128 bins -> 16, ReLU, 1600 -> 4
            assertThat(m.model.flopsPerExample()).isEqualTo(2.0 * 100 * 128 * 16 + 100 * 16 + 2.0 * 1600 * 4);
        }
    }

    @Test
    void anUnregisteredKindFailsWhenTheConfigLoads() {
        assertThatThrownBy(() -> ConfigLoader.load("demo", null, List.of("backbone.kind=never-registered")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bad value for 'backbone.kind': 'never-registered'");
    }
}
