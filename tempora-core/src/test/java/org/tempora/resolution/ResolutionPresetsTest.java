package org.tempora.resolution;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tempora.config.BackboneSpec;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;

/** The DiffRes comparison presets: listed, loadable, and comparable (the same t at δ = 0.5). */
class ResolutionPresetsTest {

    @ParameterizedTest
    @ValueSource(strings = {"diffres-0.25", "diffres-0.5", "diffres-0.75", "avgpool-0.5", "maxpool-0.5", "avgmax-0.5",
            "uniform-0.5", "spectral-0.5", "fshift-0.5"})
    void presetBuildsItsStage(String name) {
        assertThat(ConfigLoader.presets()).contains(name);
        ExperimentConfig cfg = ConfigLoader.load(name, null, List.of());
        assertThat(cfg.name()).isEqualTo(name);
        assertThat(((BackboneSpec.Ast) cfg.backbone()).size()).as("extends ast-kws").isEqualTo("mini");
        String kind = name.substring(0, name.indexOf('-'));
        assertThat(cfg.resolution().kind()).isEqualTo(kind);
        double delta = Double.parseDouble(name.substring(name.indexOf('-') + 1));
        assertThat(cfg.resolution().reduction()).isEqualTo(delta);
        try (NDManager m = NDManager.newBaseManager()) {
            ResolutionStage st = ResolutionStages.build(cfg, cfg.features().targetFrames(), cfg.features().melBins(), m, 0);
            assertThat(st.outputFrames()).isEqualTo(ResolutionStages.outputFrames(128, delta));
        }
    }

    @Test
    void fshiftPresetIsThePlanOfTheKeywordFeatures() {
        ExperimentConfig base = ConfigLoader.load("ast-kws", null, List.of());
        ExperimentConfig f = ConfigLoader.load("fshift-0.5", null, List.of());
        FshiftPlan p = FshiftPlan.of(base.features().frameShiftMs(), base.features().targetFrames(), f.resolution().reduction());
        assertThat(f.features().frameShiftMs()).isEqualTo(p.frameShiftMs());
        assertThat(f.features().targetFrames()).isEqualTo(p.targetFrames());
    }

    @Test
    void diffresModelRunsEndToEnd() {
        ExperimentConfig cfg = ConfigLoader.load("diffres-0.5", null, List.of("backbone.size=micro", "features.target_frames=100"));
        try (NDManager m = NDManager.newBaseManager();
             TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(100, 128, 5, -4.0, 4.0), m.newSubManager())) {
            assertThat(model.stateDict()).containsKeys("resolution.pos_emb", "resolution.model.blks.4.cnn2.weight",
                    "resolution.model.blks.0.batch_norm1.num_batches_tracked");
            assertThat(model.parameters()).doesNotContainKey("resolution.pos_emb").containsKey("resolution.model.blks.0.cnn1.weight");
            assertThat(model.flopsPerExample()).isGreaterThan(model.backboneFlops());
            try (NDManager b = model.manager().newSubManager()) {
                TemporaModel.Output o = model.forward(b.create(BaselinesTest.random(2 * 100 * 128, 1), new Shape(2, 100, 128)), true);
                assertThat(o.logits().getShape()).isEqualTo(new Shape(2, 5));
                assertThat(o.auxLoss()).isNotNull();
                assertThat(o.extras()).containsKeys("guide_loss", "activeness");
                for (float v : o.logits().toFloatArray()) assertThat(Float.isFinite(v)).isTrue();
            }
        }
    }
}
