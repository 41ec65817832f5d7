package org.tempora.train.phases;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.config.BackboneSpec;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.model.ModelFactory;
import org.tempora.tokens.PatchGeometry;

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
        assertThat(cfg.name()).isEqualTo(name);
        assertThat(cfg.train().epochs()).isEqualTo(20);
        assertThat(cfg.train().optimizer()).as("inherits ast-kws").isEqualTo(org.tempora.config.Choices.Optimizer.ADAMW);
        PhaseSchedule s = PhaseSchedule.of(cfg.train());
        assertThat(s.describe()).isEqualTo(schedule);
        PhaseControl control = PhaseControl.of(cfg.train());
        assertThat(control.plateau()).isEqualTo(plateau);
        for (PhaseSchedule.Phase p : s.phases()) {
            PhaseInput in = PhaseInput.of(cfg, p);
            assertThat(in.geometry(cfg).numPatches()).isGreaterThan(0);
            assertThat(in.geometry(cfg).numPatches()).isLessThanOrEqualTo(144);
        }
        assertThat(PhaseInput.of(cfg, s.phase(s.size() - 1)).geometry(cfg).numPatches()).isEqualTo(144);
        // the resolved config survives a YAML round trip (what a run folder records)
        assertThat(PhaseSchedule.of(ConfigLoader.fromYaml(ConfigLoader.toYaml(cfg), "round trip").train()).describe()).isEqualTo(schedule);
    }

    /** The composition preset: FFTP tokens and DiffRes δ 0.5 in both phases of fshift 2→1 on ast-kws (20 epochs). */
    @Test
    void compositionPresetResolves() {
        ExperimentConfig cfg = ConfigLoader.load("fftp-diffres-c2f", null, List.of());
        assertThat(cfg.resolution().kind()).isEqualTo("diffres");
        assertThat(cfg.resolution().reduction()).isEqualTo(0.5);
        PhaseSchedule s = PhaseSchedule.of(cfg.train());
        assertThat(s.describe()).isEqualTo("fshift 2→1: 5 + 15 epochs");
        // coarse: 64 frames at 20 ms, DiffRes to 32, FFTP 128 × 8 / 4 gives (32 − 8) / 4 + 1 = 7 tokens; fine: 128 to 64, 15
        assertThat(PhaseInput.of(cfg, s.phase(0)).geometry(cfg).numPatches()).isEqualTo(7);
        assertThat(PhaseInput.of(cfg, s.phase(1)).geometry(cfg).numPatches()).isEqualTo(15);
    }

    /** The grid/FLOPs table of docs/coarse-to-fine.md §2 is what the code computes for the presets' phases. */
    @Test
    void docsTableMatchesTheCode() throws IOException {
        String doc = Files.readString(org.tempora.testing.Fixtures.repoFile("docs/coarse-to-fine.md"));
        ExperimentConfig cfg = ConfigLoader.load("ast-kws", null, List.of());
        String[][] rows = {{"full resolution", "fshift 1->1"}, {"fshift ×2, avgpool ×2, maxpool ×2", "fshift 2->1"},
                {"patch ×2 (16 × 32, time stride 20)", "patch 2->1"}, {"fshift ×4", "fshift 4->1"},
                {"patch ×4 (16 × 64, time stride 40)", "patch 4->1"}};
        double full = forward(cfg, PhaseSchedule.parse("fshift 4->1", 20).phase(1));
        for (String[] r : rows) {
            PhaseSchedule.Phase p = r[1].startsWith("fshift 1") ? PhaseSchedule.parse("fshift 4->1", 20).phase(1)
                    : PhaseSchedule.parse(r[1], 20).phase(0);
            PatchGeometry g = PhaseInput.of(cfg, p).geometry(cfg);
            double f = forward(cfg, p);
            String ratio = p.factor() == 1 ? "1" : String.format(Locale.ROOT, "%.2f", f / full);
            String line = String.format(Locale.ROOT, "| %s | %d × %d = %d | %.3f | %s |", r[0], g.fDim(), g.tDim(), g.numPatches(), f / 1e9, ratio);
            assertThat(doc).as("docs/coarse-to-fine.md row").contains(line);
        }
        // pooling adds its own (tiny) cost on top of the same grid as fshift
        PhaseSchedule.Phase pool = PhaseSchedule.parse("avgpool 2->1", 20).phase(0);
        assertThat(forward(cfg, pool)).isGreaterThan(forward(cfg, PhaseSchedule.parse("fshift 2->1", 20).phase(0)));
    }

    static double forward(ExperimentConfig cfg, PhaseSchedule.Phase p) {
        PhaseInput in = PhaseInput.of(cfg, p);
        TimePooling pool = in.pooling(cfg.features().melBins());
        return ModelFactory.astConfig((BackboneSpec.Ast) cfg.backbone(), in.geometry(cfg), 35).flops().total() + (pool == null ? 0 : pool.flopsPerExample());
    }
}
