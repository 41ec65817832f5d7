package org.tempora.train.phases;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;

/** The shipped c2f presets resolve to the intended schedules on ast-kws (20 epochs) and every phase is buildable. */
class CoarseToFinePresetsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "c2f-fshift-4to1|fshift 4→1: 5 + 15 epochs|false",
            "c2f-fshift-2to1|fshift 2→1: 5 + 15 epochs|false",
            "c2f-avgpool-2to1|avgpool 2→1: 5 + 15 epochs|false",
            "c2f-maxpool-2to1|maxpool 2→1: 5 + 15 epochs|false",
            "c2f-patch-pi-4to1|patch-pi 4→1: 5 + 15 epochs|false",
            "c2f-patch-bl-2to1|patch-bl 2→1: 5 + 15 epochs|false",
            "c2f-fshift-4to2to1|fshift 4→2→1: 3 + 3 + 14 epochs|false",
            "c2f-auto-fshift-4to1|fshift 4→1: 10 + 10 epochs|true"})
    void presetResolves(String name, String schedule, boolean plateau) throws IOException {
        assertThat(ConfigLoader.presets()).contains(name);
        try (InputStream in = getClass().getResourceAsStream("/presets/" + name + ".yaml")) {
            String first = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
            assertThat(first).startsWith("# ");
        }
        ExperimentConfig cfg = ConfigLoader.load(name, null, List.of());
        assertThat(cfg.name).isEqualTo(name);
        assertThat(cfg.train.epochs).isEqualTo(20);
        assertThat(cfg.train.optimizer).as("inherits ast-kws").isEqualTo("adamw");
        PhaseSchedule s = PhaseSchedule.of(cfg.train);
        assertThat(s.describe()).isEqualTo(schedule);
        PhaseControl control = PhaseControl.of(cfg.train);
        assertThat(control.plateau()).isEqualTo(plateau);
        for (PhaseSchedule.Phase p : s.phases()) {
            PhaseInput in = PhaseInput.of(cfg, p);
            assertThat(in.geometry(cfg).numPatches()).isGreaterThan(0);
            assertThat(in.geometry(cfg).numPatches()).isLessThanOrEqualTo(144);
        }
        assertThat(PhaseInput.of(cfg, s.phase(s.size() - 1)).geometry(cfg).numPatches()).isEqualTo(144);
        // the resolved config survives a YAML round trip (what a run folder records)
        assertThat(PhaseSchedule.of(ConfigLoader.copy(cfg).train).describe()).isEqualTo(schedule);
    }
}
