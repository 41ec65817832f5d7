package org.tempora.train.phases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.model.Ast;
import org.tempora.model.AstConfig;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.nn.Parameter;
import org.tempora.resolution.DiffRes;
import org.tempora.tokens.PatchGeometry;
import org.tempora.tokens.Resize;

/** Weight transfer between phase models (micro ASTs, 48 mel bins, 64 frames, non-overlapping 16×16 patches). */
class PhaseTransitionTest {
    static final int BINS = 48;
    static final int FRAMES = 64;

    static AstConfig micro(PatchGeometry g) {
        return AstConfig.preset("micro", g, 5);
    }

    static PatchGeometry full() {
        return PatchGeometry.square(BINS, FRAMES, 16, 16, 16); // 3 × 4 grid
    }

    static NDArray input(NDManager m, int frames, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[2 * frames * BINS];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        return m.create(x, new Shape(2, frames, BINS));
    }

    /** Every parameter except the named ones must be bit-identical. */
    static void assertOthersIdentical(Ast from, Ast to, String... resized) {
        Map<String, Parameter> a = from.namedParameters();
        for (Map.Entry<String, Parameter> e : to.namedParameters().entrySet()) {
            if (List.of(resized).contains(e.getKey())) continue;
            assertThat(e.getValue().array().toFloatArray()).as(e.getKey()).containsExactly(a.get(e.getKey()).array().toFloatArray());
        }
    }

    @Test
    void coarseGridToFullGridResizesOnlyThePositionalEmbedding() {
        try (NDManager m = NDManager.newBaseManager()) {
            PatchGeometry coarse = full().withFrames(FRAMES / 2); // pooled ×2: 3 × 2 grid
            Ast from = new Ast(m, micro(coarse), 1);
            Ast to = new Ast(m, micro(full()), 2);
            var report = PhaseTransition.adapt(from, to, PhaseTransition.Options.defaults());
            assertThat(report.tokensBefore()).isEqualTo(2 + 6);
            assertThat(report.tokensAfter()).isEqualTo(2 + 12);
            assertThat(report.resized()).containsOnlyKeys("v.pos_embed");
            assertThat(to.posEmbed().array().getShape()).isEqualTo(new Shape(1, 14, 64));
            float[] src = from.posEmbed().array().toFloatArray();
            float[] got = to.posEmbed().array().toFloatArray();
            assertThat(got).containsExactly(Resize.resamplePosEmbed(src, 2, 64, 3, 2, 3, 4, false));
            // cls and dist positions unchanged; the time axis is upsampled 2 → 4 (first column copies column 0)
            assertThat(java.util.Arrays.copyOf(got, 128)).containsExactly(java.util.Arrays.copyOf(src, 128));
            assertThat(got[2 * 64 + 7]).isEqualTo(src[2 * 64 + 7]);
            assertOthersIdentical(from, to, "v.pos_embed");
            assertThat(report.copied()).hasSize(from.namedParameters().size() - 1);
        }
    }

    @Test
    void patchPhaseResizesTheKernelByPiOrBilinear() {
        try (NDManager m = NDManager.newBaseManager()) {
            PatchGeometry wide = full().withPatch(16, 32, 16, 32); // patch ×2 in time: 3 × 2 grid
            for (Resize.KernelMethod method : Resize.KernelMethod.values()) {
                Ast from = new Ast(m, micro(wide), 3);
                Ast to = new Ast(m, micro(full()), 4);
                var report = PhaseTransition.adapt(from, to, new PhaseTransition.Options(method, PhaseTransition.PosEmbedMode.BILINEAR));
                assertThat(report.resized()).containsOnlyKeys("v.pos_embed", "v.patch_embed.proj.weight");
                assertThat(to.patchEmbed().weight().array().getShape()).isEqualTo(new Shape(64, 1, 16, 16));
                float[] w = from.patchEmbed().weight().array().toFloatArray();
                float[] expected = method == Resize.KernelMethod.PI ? Resize.piResize(w, 64, 1, 16, 32, 16, 16)
                        : Resize.bilinearKernel(w, 64, 1, 16, 32, 16, 16);
                assertThat(to.patchEmbed().weight().array().toFloatArray()).containsExactly(expected);
                assertOthersIdentical(from, to, "v.pos_embed", "v.patch_embed.proj.weight");
                try (NDManager batch = m.newSubManager()) {
                    NDArray logits = to.forward(input(batch, FRAMES, 7));
                    assertThat(logits.getShape()).isEqualTo(new Shape(2, 5));
                    for (float v : logits.toFloatArray()) assertThat(Float.isFinite(v)).isTrue();
                }
            }
        }
    }

    @Test
    void sameGridTransferGivesIdenticalLogits() {
        try (NDManager m = NDManager.newBaseManager()) {
            Ast from = new Ast(m, micro(full()), 5);
            Ast to = new Ast(m, micro(full()), 6);
            from.train(false);
            to.train(false);
            var report = PhaseTransition.adapt(from, to, PhaseTransition.Options.defaults());
            assertThat(report.resized()).isEmpty();
            try (NDManager batch = m.newSubManager()) {
                NDArray x = input(batch, FRAMES, 8);
                assertThat(to.forward(x).toFloatArray()).containsExactly(from.forward(x).toFloatArray());
            }
        }
    }

    @Test
    void mismatchedModelsAreRejected() {
        try (NDManager m = NDManager.newBaseManager()) {
            Ast from = new Ast(m, micro(full()), 1);
            Ast to = new Ast(m, AstConfig.preset("micro", full(), 7), 1);
            assertThatThrownBy(() -> PhaseTransition.adapt(from, to, PhaseTransition.Options.defaults()))
                    .isInstanceOf(ConfigException.class).hasMessage("cannot transfer mlp_head.1.weight between phases: shape (5, 64) vs (7, 64)");
        }
    }

    /** A whole schedule: build each phase's model, run it, adapt into the next; the final C→1 model gives finite logits. */
    @Test
    void schedulesRunThroughEveryMethod() {
        ExperimentConfig base = ConfigLoader.load("ast-kws", null, List.of("backbone.size=micro", "features.mel_bins=48",
                "features.target_frames=64", "tokens.patch=[16, 16]", "tokens.stride=[16, 16]", "features.norm_mean=-4.0",
                "features.norm_std=4.0"));
        for (String s : List.of("avgpool 2->1 @1", "maxpool 4->2->1 @2", "patch-pi 4->1 @1", "patch-bl 2->1 @1", "fshift 4->1 @1")) {
            PhaseSchedule schedule = PhaseSchedule.parse(s, 4);
            try (NDManager root = NDManager.newBaseManager()) {
                TemporaModel prev = null;
                for (PhaseSchedule.Phase p : schedule.phases()) {
                    PhaseInput in = PhaseInput.of(base, p);
                    NDManager mm = root.newSubManager();
                    TemporaModel model = in.buildModel(base, new ModelFactory.Input(in.dataFrames(), BINS, 5, -4.0, 4.0), mm);
                    assertThat(model.tokens()).as(s + " phase " + p.index()).isEqualTo(in.geometry(base).numPatches() + 2);
                    if (prev != null) {
                        var r = PhaseTransition.adapt(prev, model, PhaseTransition.Options.leaving(schedule.phase(p.index() - 1)));
                        assertThat(r.tokensAfter()).isGreaterThan(r.tokensBefore());
                        prev.close();
                    }
                    model.train(false);
                    try (NDManager batch = mm.newSubManager()) {
                        NDArray logits = model.forward(input(batch, in.dataFrames(), p.index()), false).logits();
                        assertThat(logits.getShape()).isEqualTo(new Shape(2, 5));
                        for (float v : logits.toFloatArray()) assertThat(Float.isFinite(v)).as(s).isTrue();
                    }
                    prev = model;
                }
                assertThat(((Ast) prev.backbone()).config().patches().frames()).isEqualTo(64);
                prev.close();
            }
        }
    }

    @Test
    void buildModelChecksTheData() {
        ExperimentConfig base = ConfigLoader.load("ast-kws", null, List.of("backbone.size=micro", "features.mel_bins=48",
                "features.target_frames=64"));
        PhaseInput in = PhaseInput.of(base, PhaseSchedule.parse("fshift 2->1 @1", 4).phase(0));
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> in.buildModel(base, new ModelFactory.Input(64, 48, 5, 0, 1), m))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("expects 32 frames from its data but got 64");
        }
    }

    /** Audio Mamba phases: the coarse model's weights move to the full grid (pos-embed resized, cls kept first). */
    @Test
    void audioMambaPhasesTransfer() {
        ExperimentConfig base = ConfigLoader.load("ast-kws", null, List.of("backbone.kind=aum", "backbone.size=micro",
                "features.mel_bins=48", "features.target_frames=64", "tokens.kind=fftp", "tokens.fftp_width=4", "tokens.fftp_stride=4"));
        PhaseSchedule s = PhaseSchedule.parse("avgpool 2->1 @1", 3);
        PhaseInput coarse = PhaseInput.of(base, s.phase(0));
        PhaseInput fine = PhaseInput.of(base, s.phase(1));
        try (NDManager m = NDManager.newBaseManager()) {
            var a = coarse.buildModel(base, new ModelFactory.Input(64, 48, 5, 0, 1), m);
            var b = fine.buildModel(base, new ModelFactory.Input(64, 48, 5, 0, 1), m);
            assertThat(a.tokens()).isEqualTo(8 + 1);
            assertThat(b.tokens()).isEqualTo(16 + 1);
            PhaseTransition.Report r = PhaseTransition.adapt(a, b, PhaseTransition.Options.leaving(s.phase(0)));
            assertThat(r.resized()).containsOnlyKeys("pos_embed.pos_embed");
            assertThat(r.tokensBefore()).isEqualTo(9);
            assertThat(r.tokensAfter()).isEqualTo(17);
            // the class token's embedding (row 0) is carried unchanged
            float[] pa = ((org.tempora.model.TokenBackbone) a.backbone()).posEmbed().array().toFloatArray();
            float[] pb = ((org.tempora.model.TokenBackbone) b.backbone()).posEmbed().array().toFloatArray();
            int d = ((org.tempora.model.TokenBackbone) b.backbone()).width();
            assertThat(java.util.Arrays.copyOf(pb, d)).containsExactly(java.util.Arrays.copyOf(pa, d));
            try (NDManager sub = m.newSubManager()) {
                float[] logits = b.forward(sub.randomNormal(new ai.djl.ndarray.types.Shape(2, 64, 48)), false).logits().toFloatArray();
                for (float v : logits) assertThat(v).isFinite();
            }
        }
    }
    /** Composition (ours): DiffRes runs in every phase on that phase's frames; its estimator is carried unchanged. */
    @Test
    void diffResRunsInEveryPhaseAndCarriesItsEstimator() {
        ExperimentConfig base = ConfigLoader.load("diffres-0.5", null, List.of("backbone.size=micro", "features.mel_bins=48",
                "features.target_frames=64", "tokens.kind=fftp", "tokens.fftp_width=4", "tokens.fftp_stride=4"));
        PhaseSchedule s = PhaseSchedule.parse("fshift 2->1 @1", 3);
        PhaseInput coarse = PhaseInput.of(base, s.phase(0));
        PhaseInput fine = PhaseInput.of(base, s.phase(1));
        assertThat(coarse.dataFrames()).isEqualTo(32);
        assertThat(coarse.modelFrames()).isEqualTo(16); // int(32 · 0.5)
        assertThat(fine.modelFrames()).isEqualTo(32);
        assertThat(coarse.describe(base)).contains("32 frames, diffres δ 0.5 to 16, tokens 1×4");
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel a = coarse.buildModel(base, new ModelFactory.Input(32, BINS, 5, -4.0, 4.0), m);
            TemporaModel b = fine.buildModel(base, new ModelFactory.Input(64, BINS, 5, -4.0, 4.0), m);
            assertThat(a.resolution()).isInstanceOf(DiffRes.class);
            assertThat(a.resolution().outputFrames()).isEqualTo(16);
            assertThat(b.resolution().outputFrames()).isEqualTo(32);
            assertThat(a.tokens()).isEqualTo(4 + 2);
            assertThat(b.tokens()).isEqualTo(8 + 2);
            // both were built from the same seed: give the coarse estimator values of its own (as training would),
            // parameters and batch-norm running statistics alike
            SplittableRandom rng = new SplittableRandom(11);
            Map<String, Parameter> estimator = a.resolution().namedParameters();
            assertThat(estimator).isNotEmpty();
            for (Parameter p : estimator.values()) {
                float[] v = new float[(int) p.array().size()];
                for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextGaussian();
                p.set(v);
            }
            Map<String, NDArray> stats = new java.util.TreeMap<>(a.resolution().namedBuffers());
            stats.remove("pos_emb");
            assertThat(stats.keySet()).anyMatch(k -> k.endsWith("running_var"));
            for (NDArray buf : stats.values()) {
                if (buf.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32) continue;
                float[] v = new float[(int) buf.size()];
                for (int i = 0; i < v.length; i++) v[i] = 0.5f + (float) rng.nextDouble();
                buf.set(v);
            }
            PhaseTransition.Report r = PhaseTransition.adapt(a, b, PhaseTransition.Options.leaving(s.phase(0)));
            // the positional embedding, and DiffRes's fixed table of 32 → 64 frames, which the fine phase built itself
            assertThat(r.resized()).hasSize(2).containsEntry("resolution.pos_emb", "(1, 32, 48) -> (1, 64, 48) (rebuilt for this phase's frames)");
            for (Map.Entry<String, Parameter> e : b.resolution().namedParameters().entrySet()) {
                assertThat(r.copied()).contains("resolution." + e.getKey());
                assertThat(e.getValue().array().toFloatArray()).as(e.getKey()).containsExactly(estimator.get(e.getKey()).array().toFloatArray());
            }
            Map<String, NDArray> carried = b.resolution().namedBuffers();
            for (Map.Entry<String, NDArray> e : stats.entrySet()) {
                assertThat(r.copied()).contains("resolution." + e.getKey());
                assertThat(carried.get(e.getKey()).toByteBuffer()).as(e.getKey()).isEqualTo(e.getValue().toByteBuffer());
            }
            assertThat(carried.get("pos_emb").toFloatArray()).containsExactly(org.tempora.resolution.DiffResOps.sinusoidTable(64, BINS));
            try (NDManager batch = m.newSubManager()) {
                TemporaModel.Output o = b.forward(input(batch, 64, 3), true);
                assertThat(o.logits().getShape()).isEqualTo(new Shape(2, 5));
                for (float v : o.logits().toFloatArray()) assertThat(v).isFinite();
                assertThat(o.auxLoss().toFloatArray()[0]).as("DiffRes's guide loss").isFinite().isPositive();
            }
        }
    }

    /** A resolution stage the phases cannot carry is refused by name before any model is built. */
    @Test
    void resolutionStagesThePhasesCannotCarryAreRefused() {
        List<String> small = List.of("features.mel_bins=48", "features.target_frames=64");
        ExperimentConfig diffres = ConfigLoader.load("diffres-0.5", null, small);
        assertThatThrownBy(() -> PhaseInput.of(diffres, PhaseSchedule.parse("avgpool 2->1 @1", 3).phase(0)))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith(": a pooling phase cannot run with resolution.kind diffres (a model has one resolution stage); use fshift or patch phases");
        ExperimentConfig learned = ConfigLoader.load("diffres-0.5", null,
                List.of("features.mel_bins=48", "features.target_frames=64", "resolution.learn_pos_emb=true"));
        assertThatThrownBy(() -> PhaseInput.of(learned, PhaseSchedule.parse("fshift 2->1 @1", 3).phase(0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("resolution.learn_pos_emb learns a table of T frames");
        assertThat(PhaseInput.of(learned, PhaseSchedule.parse("patch-pi 2->1 @1", 3).phase(0)).modelFrames())
                .as("a patch phase keeps T, so a learned table carries").isEqualTo(32);
        ExperimentConfig fshift = ConfigLoader.load("fshift-0.5", null, small);
        assertThatThrownBy(() -> PhaseInput.of(fshift, PhaseSchedule.parse("fshift 2->1 @1", 3).phase(1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot run with resolution.kind fshift");
        ExperimentConfig deep = ConfigLoader.load("diffres-0.75", null, List.of("features.mel_bins=48", "features.target_frames=4"));
        assertThatThrownBy(() -> PhaseInput.of(deep, PhaseSchedule.parse("fshift 4->1 @1", 3).phase(0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("resolution.reduction 0.75 leaves no frame of 1");
    }
}
