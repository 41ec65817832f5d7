package org.tempora.train.phases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.tokens.PatchGeometry;

/** What each phase changes (pure config arithmetic) and the pooling op, in Java and in DJL. */
class PhaseInputTest {

    static ExperimentConfig kws() {
        return ConfigLoader.load("ast-kws", null, List.of());
    }

    static PhaseSchedule.Phase phase(String schedule, int total) {
        return PhaseSchedule.parse(schedule, total).phase(0);
    }

    @Test
    void fshiftMultipliesTheShiftAndDividesTheFrames() {
        ExperimentConfig cfg = kws(); // 128 frames, shift 10 ms, patch 16 stride 10, timem 24
        PhaseInput in = PhaseInput.of(cfg, phase("fshift 4->1 @25%", 20));
        assertThat(in.frameShiftMs()).isEqualTo(40.0);
        assertThat(in.dataFrames()).isEqualTo(32);
        assertThat(in.modelFrames()).isEqualTo(32);
        assertThat(in.timeMask()).isEqualTo(6);
        assertThat(in.ownFeatures()).isTrue();
        assertThat(in.pooling(128)).isNull();
        PatchGeometry g = in.geometry(cfg);
        assertThat(g.tDim()).isEqualTo(2); // (32 − 16)/10 + 1
        assertThat(g.fDim()).isEqualTo(12);
        ExperimentConfig pc = in.config(cfg);
        assertThat(pc.features().frameShiftMs()).isEqualTo(40.0);
        assertThat(pc.features().targetFrames()).isEqualTo(32);
        assertThat(pc.augment().timem()).isEqualTo(6);
        assertThat(pc.train().epochs()).isEqualTo(5);
        assertThat(pc.train().phases()).isEmpty();
        assertThat(cfg.features().frameShiftMs()).as("base untouched").isEqualTo(10.0);
        assertThat(in.describe(cfg)).isEqualTo("fshift ×4, 5 epochs: frame shift 40 ms, 32 frames, tokens 12×2");
    }

    @Test
    void poolingKeepsTheDataAndShrinksWhatTheTokeniserSees() {
        ExperimentConfig cfg = kws();
        PhaseInput in = PhaseInput.of(cfg, phase("avgpool 2->1 @5", 20));
        assertThat(in.frameShiftMs()).isEqualTo(10.0);
        assertThat(in.dataFrames()).isEqualTo(128);
        assertThat(in.modelFrames()).isEqualTo(64);
        assertThat(in.timeMask()).isEqualTo(24);
        assertThat(in.ownFeatures()).isFalse();
        assertThat(in.pooling(128).kind()).isEqualTo(TimePooling.Kind.AVG);
        assertThat(in.pooling(128).outputFrames()).isEqualTo(64);
        assertThat(in.geometry(cfg).tDim()).isEqualTo(5);
        assertThat(PhaseInput.of(cfg, phase("maxpool 3->1 @5", 20)).pooling(128).outputFrames()).isEqualTo(42); // ⌊128/3⌋
    }

    @Test
    void patchWidensThePatchAndStrideInTime() {
        ExperimentConfig cfg = kws();
        PhaseInput in = PhaseInput.of(cfg, phase("patch-bl 4->1 @5", 20));
        assertThat(in.patch()).containsExactly(16, 64);
        assertThat(in.stride()).containsExactly(10, 40);
        assertThat(in.dataFrames()).isEqualTo(128);
        PatchGeometry g = in.geometry(cfg);
        assertThat(g.patchT()).isEqualTo(64);
        assertThat(g.tDim()).isEqualTo(2); // (128 − 64)/40 + 1
        PhaseInput full = PhaseInput.of(cfg, PhaseSchedule.parse("patch-bl 4->1 @5", 20).phase(1));
        assertThat(full.geometry(cfg).numPatches()).isEqualTo(144);
    }

    @Test
    void tooMuchCompressionNamesThePhase() {
        ExperimentConfig cfg = kws();
        assertThatThrownBy(() -> PhaseInput.of(cfg, phase("fshift 16->1 @5", 20))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("phase 1 (fshift ×16)").hasMessageContaining("exceeds the 8 input frames");
        assertThatThrownBy(() -> PhaseInput.of(cfg, phase("patch 16->1 @5", 20))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("phase 1 (patch ×16)");
    }

    @Test
    void poolingByHand() {
        // [T=5, F=2]; C = 2 drops the last frame
        float[] x = {1, -1, 3, 5, 2, 0, 4, 8, 9, 9};
        assertThat(TimePooling.apply(x, 5, 2, TimePooling.Kind.AVG, 2)).containsExactly(2, 2, 3, 4);
        assertThat(TimePooling.apply(x, 5, 2, TimePooling.Kind.MAX, 2)).containsExactly(3, 5, 4, 8);
        TimePooling p = new TimePooling(TimePooling.Kind.AVG, 2, 5, 2);
        assertThat(p.outputFrames()).isEqualTo(2);
        assertThat(p.flopsPerExample()).isEqualTo(8); // 4 outputs × (1 add + 1 scale)
        assertThat(new TimePooling(TimePooling.Kind.MAX, 4, 8, 3).flopsPerExample()).isEqualTo(18); // 6 outputs × 3 comparisons
    }

    @Test
    void djlPoolingEqualsThePlainJavaPooling() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        int b = 3, t = 11, f = 4;
        float[] x = new float[b * t * f];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray in = m.create(x, new Shape(b, t, f));
            for (TimePooling.Kind kind : TimePooling.Kind.values()) {
                TimePooling p = new TimePooling(kind, 3, t, f);
                NDArray out = p.forward(in, true).features();
                assertThat(out.getShape()).isEqualTo(new Shape(b, 1, 3, f));
                float[] got = out.toFloatArray();
                for (int e = 0; e < b; e++) {
                    float[] ref = TimePooling.apply(java.util.Arrays.copyOfRange(x, e * t * f, (e + 1) * t * f), t, f, kind, 3);
                    for (int i = 0; i < ref.length; i++) {
                        assertThat(Math.abs(got[e * ref.length + i] - ref[i])).as(kind + " " + e + " " + i).isLessThan(1e-6f);
                    }
                }
            }
            assertThatThrownBy(() -> new TimePooling(TimePooling.Kind.AVG, 2, 10, f).forward(in, true))
                    .hasMessageContaining("expects log-mel [B, 10, F], got (3, 11, 4)");
        }
    }
}
