package org.tempora.model.mamba;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.augment.SpecMask;
import org.tempora.config.BackboneSpec;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.model.Ast;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;

/** The FFTP / SpecMask / AuM presets resolve, build the intended model and, where set, a SpecMask on the token grid. */
class MambaPresetsTest {

    @ParameterizedTest
    @CsvSource({
        "ast-fftp, ast, 33, false",
        "ast-fftp-specmask, ast, 33, true",
        "aum-square, aum, 65, false",
        "aum-fftp, aum, 32, false",
        "aum-fftp-specmask, aum, 32, true"})
    void presetBuildsItsModel(String preset, String kind, int tokens, boolean specmask) {
        ExperimentConfig cfg = ConfigLoader.load(preset, null, List.of());
        assertThat(ConfigLoader.presets()).contains(preset);
        assertThat(cfg.name()).isEqualTo(preset);
        assertThat(cfg.backbone().kind()).isEqualTo(kind);
        assertThat(cfg.augment().specmaskRatio() > 0).isEqualTo(specmask);
        if (specmask) {
            assertThat(cfg.augment().freqm() + cfg.augment().timem()).as("SpecMask replaces SpecAugment").isZero();
            SpecMask sm = SpecMask.fromConfig(cfg, cfg.features().melBins());
            assertThat(List.of(sm.patchWidth(), sm.patchStride())).containsExactly(cfg.tokens().fftpWidth(), cfg.tokens().fftpStride());
        }
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(cfg.features().targetFrames(), cfg.features().melBins(), 35, -4, 4), m);
            // AST counts cls + dist, AuM its middle cls token
            assertThat(model.tokens()).isEqualTo(tokens);
            if (kind.equals("aum")) {
                AudioMamba aum = (AudioMamba) model.backbone();
                assertThat(aum.config().dim()).isEqualTo(192);
                assertThat(aum.config().depth()).isEqualTo(4);
                assertThat(aum.config().variant()).isEqualTo(Bimamba.V2);
            } else {
                assertThat(model.backbone()).isInstanceOf(Ast.class);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"aum-baseline, base, V1, 65"})
    void paperRecipeResolves(String preset, String size, Bimamba variant, int tokens) {
        ExperimentConfig cfg = ConfigLoader.load(preset, null, List.of());
        AumConfig c = ModelFactory.aumConfig((BackboneSpec.Aum) cfg.backbone(),
                ModelFactory.geometry(cfg.tokens(), 1, cfg.features().melBins(), cfg.features().targetFrames()), 35);
        assertThat(((BackboneSpec.Aum) cfg.backbone()).size()).isEqualTo(size);
        assertThat(c.dim()).isEqualTo(768);
        assertThat(c.depth()).isEqualTo(24);
        assertThat(c.variant()).isEqualTo(variant);
        assertThat(c.sequenceLength()).isEqualTo(tokens);
        assertThat(cfg.train().lr()).isEqualTo(2.5e-4);
        assertThat(cfg.train().batchSize()).isEqualTo(128);
    }
}
