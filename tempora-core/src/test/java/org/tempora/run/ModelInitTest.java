package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tempora.InvalidInputException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.interop.AstCheckpoint;
import org.tempora.io.Npy;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.testing.Fixtures;
import org.tempora.tokens.PatchGeometry;
import org.tempora.tokens.Resize;

/**
 * {@code train.init} ({@link ModelInit}): a model starts from the interop/ast (AST) or interop/aum (Audio Mamba)
 * checkpoint's weights, with the tokenizer changes FFTP, DiffRes and coarse-to-fine need.
 */
class ModelInitTest {
    static final Path YG = Fixtures.interop("ast").resolve("yuangong.pth");

    static TemporaModel model(NDManager m, int frames, int classes, String... sets) {
        List<String> o = new java.util.ArrayList<>(List.of("backbone.dim=64", "backbone.depth=2", "backbone.heads=4"));
        o.addAll(List.of(sets));
        ExperimentConfig cfg = ConfigLoader.load(null, null, o);
        return ModelFactory.build(cfg, new ModelFactory.Input(frames, 128, classes, 0, 0.5), m);
    }

    @Test
    void sameShapeCopiesEveryTensorAndGivesTheReferenceLogits() {
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = model(m, 128, 5);
            List<String> notes = ModelInit.apply(model, YG);
            assertThat(notes).containsExactly("35 of 35 tensors from " + YG);
            model.train(false);
            Npy.Array input = Npy.read(Fixtures.interop("ast").resolve("input.npy"));
            try (NDManager b = m.newSubManager()) {
                // norm mean 0, std 0.5: (x - 0) / (2 * 0.5) leaves the fixture's normalised input as it is
                NDArray x = b.create(input.f32(), new Shape(input.shape()[0], input.shape()[1], input.shape()[2]));
                float[] got = model.forward(x, false).logits().toFloatArray();
                float[] want = Npy.read(Fixtures.interop("ast").resolve("logits.npy")).f32();
                for (int i = 0; i < want.length; i++) assertThat((double) Math.abs(got[i] - want[i])).isLessThanOrEqualTo(1e-4);
            }
        }
    }

    @Test
    void anotherLengthAdaptsThePositionsAndOtherClassesGetANewHead() {
        Map<String, Npy.Array> src = AstCheckpoint.read(YG, null).tensors();
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = model(m, 100, 3);
            float[] headBefore = model.stateDict().get("mlp_head.1.weight").toFloatArray();
            List<String> notes = ModelInit.apply(model, YG);
            assertThat(notes).containsExactly("31 of 35 tensors from " + YG,
                    "the head mlp_head is new (5 classes in the checkpoint, 3 here)", "v.pos_embed adapted from 12 to 9 patch columns");
            Map<String, NDArray> sd = model.stateDict();
            assertThat(sd.get("v.blocks.1.attn.qkv.weight").toFloatArray()).isEqualTo(src.get("v.blocks.1.attn.qkv.weight").f32());
            assertThat(sd.get("mlp_head.1.weight").toFloatArray()).isEqualTo(headBefore);
            // 12 x 12 grid -> 12 x 9: AST's centre cut of the time columns
            float[] want = Resize.astAdaptPosEmbed(src.get("v.pos_embed").f32(), 2, 64, 12, 12, 12, 9);
            assertThat(sd.get("v.pos_embed").toFloatArray()).isEqualTo(want);
            float[] pe = sd.get("v.pos_embed").toFloatArray();
            float[] s = src.get("v.pos_embed").f32();
            // row 0 of the patch grid starts at source column 6 - 4 = 2
            for (int c = 0; c < 64; c++) assertThat(pe[2 * 64 + c]).isEqualTo(s[(2 + 2) * 64 + c]);
        }
    }

    @Test
    void aWidthThatDiffersIsAnErrorNamingTheTensor() {
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = model(m, 128, 5, "backbone.dim=128", "backbone.heads=4");
            assertThatThrownBy(() -> ModelInit.apply(model, YG)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("tensor v.cls_token has shape (1, 1, 64) but the model expects (1, 1, 128)");
        }
    }
    static final Path AUM = Fixtures.interop("aum").resolve("aum.pth");

    static TemporaModel aum(NDManager m, int frames, int classes) {
        ExperimentConfig cfg = ConfigLoader.load(null, null, List.of("backbone.kind=aum", "backbone.dim=32", "backbone.depth=2", "backbone.bimamba=v2",
                "backbone.scan=sequential", "tokens.patch=[16, 16]", "tokens.stride=[16, 16]"));
        return ModelFactory.build(cfg, new ModelFactory.Input(frames, 128, classes, 0, 0.5), m);
    }

    @Test
    void audioMambaCheckpointGivesTheReferenceLogitsAndAdaptsToAnotherTask() {
        Map<String, Npy.Array> src = org.tempora.interop.AumCheckpoint.read(AUM).tensors();
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = aum(m, 128, 4);
            List<String> notes = ModelInit.apply(model, AUM);
            assertThat(notes).containsExactly(model.stateDict().size() + " of " + model.stateDict().size() + " tensors from " + AUM);
            model.train(false);
            Npy.Array input = Npy.read(Fixtures.interop("aum").resolve("input.npy"));
            try (NDManager b = m.newSubManager()) {
                NDArray x = b.create(input.f32(), new Shape(input.shape()[0], input.shape()[1], input.shape()[2]));
                float[] got = model.forward(x, false).logits().toFloatArray();
                float[] want = Npy.read(Fixtures.interop("aum").resolve("logits.npy")).f32();
                for (int i = 0; i < want.length; i++) assertThat((double) Math.abs(got[i] - want[i])).isLessThanOrEqualTo(1e-4);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            // 96 frames: 8 x 6 patches instead of 8 x 8; 3 classes: a new head
            TemporaModel model = aum(m, 96, 3);
            float[] headBefore = model.stateDict().get("head.weight").toFloatArray();
            int n = model.stateDict().size();
            List<String> notes = ModelInit.apply(model, AUM);
            assertThat(notes).containsExactly((n - 2) + " of " + n + " tensors from " + AUM,
                    "the head is new (4 classes in the checkpoint, 3 here)", "pos_embed.pos_embed adapted from 8 to 6 patch columns");
            Map<String, NDArray> sd = model.stateDict();
            assertThat(sd.get("head.weight").toFloatArray()).isEqualTo(headBefore);
            assertThat(sd.get("layers.1.mixer.A_b_log").toFloatArray()).isEqualTo(src.get("layers.1.mixer.A_b_log").f32());
            // the class token's row stays first; the 8 x 8 grid's centre columns 1..6 are kept
            assertThat(sd.get("pos_embed.pos_embed").toFloatArray()).isEqualTo(Resize.astAdaptPosEmbed(src.get("pos_embed.pos_embed").f32(), 1, 32, 8, 8, 8, 6));
        }
    }

    @Test
    void fftpKernelIsPiResizedFromTheSquareOne() {
        Map<String, Npy.Array> src = AstCheckpoint.read(YG, null).tensors();
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = model(m, 128, 5, "tokens.kind=fftp", "tokens.fftp_width=8", "tokens.fftp_stride=4");
            List<String> notes = ModelInit.apply(model, YG);
            assertThat(notes).containsExactly("35 of 35 tensors from " + YG,
                    "v.pos_embed resampled from the 12x12 grid of 16x16 patches to the 1x31 grid of 128x8 patches",
                    "v.patch_embed.proj.weight PI-resized from 16x16 to 128x8");
            Map<String, NDArray> sd = model.stateDict();
            float[] w = src.get("v.patch_embed.proj.weight").f32();
            assertThat(sd.get("v.patch_embed.proj.weight").toFloatArray()).isEqualTo(Resize.piResize(w, 64, 1, 16, 16, 128, 8));
            assertThat(sd.get("v.patch_embed.proj.bias").toFloatArray()).isEqualTo(src.get("v.patch_embed.proj.bias").f32());
            assertThat(sd.get("v.pos_embed").toFloatArray()).isEqualTo(Resize.resamplePosEmbed(src.get("v.pos_embed").f32(), 2, 64, 12, 12, 1, 31, true));
        }
    }

    @Test
    void diffResSharesTheKernelAmongItsLogMelChannelsAndResamplesPositionsToItsFrames() {
        Map<String, Npy.Array> src = AstCheckpoint.read(YG, null).tensors();
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = model(m, 128, 5, "resolution.kind=diffres", "resolution.reduction=0.5", "resolution.channels=[avg, max, pos]");
            Map<String, float[]> before = new java.util.HashMap<>();
            int[] fresh = {0};
            model.stateDict().forEach((k, v) -> {
                if (!k.startsWith("resolution.")) return;
                fresh[0]++;
                if (v.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32) before.put(k, v.toFloatArray());
            });
            List<String> notes = ModelInit.apply(model, YG);
            int n = model.stateDict().size();
            assertThat(notes.get(0)).isEqualTo((n - fresh[0]) + " of " + n + " tensors from " + YG);
            assertThat(notes).contains("v.pos_embed resampled from the full-resolution 12x12 grid to the 12x5 grid the backbone sees",
                    "v.patch_embed.proj.weight shared among the 2 log-mel channels of 3 (each 1/2 of it), zero for the resolution encoding")
                    .anyMatch(s -> s.startsWith("the resolution stage (") && s.endsWith(fresh[0] + " tensors) is new"));
            Map<String, NDArray> sd = model.stateDict();
            before.forEach((k, v) -> assertThat(sd.get(k).toFloatArray()).as(k).isEqualTo(v));
            float[] w = src.get("v.patch_embed.proj.weight").f32();
            float[] got = sd.get("v.patch_embed.proj.weight").toFloatArray();
            assertThat(got).hasSize(64 * 3 * 256);
            for (int o = 0; o < 64; o++) {
                for (int p = 0; p < 256; p++) {
                    assertThat(got[(o * 3) * 256 + p]).isEqualTo(w[o * 256 + p] / 2);
                    assertThat(got[(o * 3 + 1) * 256 + p]).isEqualTo(w[o * 256 + p] / 2);
                    assertThat(got[(o * 3 + 2) * 256 + p]).isZero();
                }
            }
            // DiffRes at 0.5 gives 64 frames: 12 x 5 patches; the 12 x 12 grid is resampled (plain bilinear)
            assertThat(sd.get("v.pos_embed").toFloatArray()).isEqualTo(Resize.resamplePosEmbed(src.get("v.pos_embed").f32(), 2, 64, 12, 12, 12, 5, false));
        }
    }

    /** Composition: the coarse phase of DiffRes + fshift 2→1 starts from positions resampled off the final input grid. */
    @Test
    void coarsePhaseWithDiffResResamplesPositionsFromTheFinalInputGrid() {
        ExperimentConfig cfg = ConfigLoader.load(null, null, List.of("backbone.dim=64", "backbone.depth=2", "backbone.heads=4",
                "resolution.kind=diffres", "resolution.reduction=0.5", "resolution.channels=[avg]", "train.epochs=4",
                "train.phases=[{method: fshift, factor: 2, epochs: 1}, {method: none, factor: 1}]"));
        var schedule = org.tempora.train.phases.PhaseSchedule.of(cfg.train());
        var coarse = org.tempora.train.phases.PhaseInput.of(cfg, schedule.phase(0));
        var fin = org.tempora.train.phases.PhaseInput.of(cfg, schedule.phase(1));
        // the final phase's backbone sees 64 frames (12 x 5 patches), its input is 128 frames (12 x 12, the checkpoint's)
        assertThat(fin.geometry(cfg).tDim()).isEqualTo(5);
        assertThat(fin.inputGeometry(cfg).tDim()).isEqualTo(12);
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = coarse.buildModel(cfg, new ModelFactory.Input(64, 128, 5, 0, 0.5), m);
            List<String> notes = ModelInit.apply(model, YG, new ModelInit.Target(fin.inputGeometry(cfg), Resize.KernelMethod.PI));
            // 64 frames at 20 ms, DiffRes to 32: 12 x 2 patches
            assertThat(notes).contains("v.pos_embed resampled from the full-resolution 12x12 grid to the 12x2 grid the backbone sees");
        }
    }

    /** A tempora DiffRes model saved at 128 frames starts a DiffRes model at 64: its fixed table is the model's own. */
    @Test
    void diffResFixedTableOfAnotherLengthIsRebuiltNotCopied(@org.junit.jupiter.api.io.TempDir Path tmp) throws java.io.IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            String[] diffres = {"resolution.kind=diffres", "resolution.reduction=0.5", "resolution.channels=[avg]"};
            TemporaModel long128 = model(m, 128, 5, diffres);
            java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
            for (org.tempora.nn.Parameter p : long128.resolution().namedParameters().values()) {
                float[] v = new float[(int) p.array().size()];
                for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextGaussian();
                p.set(v); // values of its own, so a copy is visible
            }
            Path saved = tmp.resolve("model.npz");
            long128.save(saved);
            TemporaModel short64 = model(m, 64, 5, diffres);
            List<String> notes = ModelInit.apply(short64, saved, new ModelInit.Target(new PatchGeometry(1, 128, 64, 16, 16, 10, 10), Resize.KernelMethod.PI));
            assertThat(notes).contains("resolution.pos_emb (a fixed table) rebuilt for 64 frames instead of the checkpoint's 128");
            assertThat(short64.stateDict().get("resolution.pos_emb").toFloatArray())
                    .containsExactly(org.tempora.resolution.DiffResOps.sinusoidTable(64, 128));
            // the estimator itself is copied
            Map<String, NDArray> a = long128.stateDict();
            short64.stateDict().forEach((k, v) -> {
                if (k.startsWith("resolution.") && !k.equals("resolution.pos_emb") && v.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32) {
                    assertThat(v.toFloatArray()).as(k).containsExactly(a.get(k).toFloatArray());
                }
            });
        }
    }

    @Test
    void coarsePatchPhaseStartsFromThePiResizedKernel() {
        Map<String, Npy.Array> src = AstCheckpoint.read(YG, null).tensors();
        try (NDManager m = NDManager.newBaseManager()) {
            // the first phase of c2f-patch-pi-4to1: 16 x 64 patches with time stride 40; the final phase is the checkpoint's 16 x 16, stride 10
            TemporaModel model = model(m, 128, 5, "tokens.kind=rect", "tokens.patch=[16, 64]", "tokens.stride=[10, 40]");
            PatchGeometry full = new PatchGeometry(1, 128, 128, 16, 16, 10, 10);
            List<String> notes = ModelInit.apply(model, YG, new ModelInit.Target(full, Resize.KernelMethod.PI));
            assertThat(notes).containsExactly("35 of 35 tensors from " + YG,
                    "v.pos_embed resampled from the full-resolution 12x12 grid to the 12x2 grid the backbone sees",
                    "v.patch_embed.proj.weight PI-resized from 16x16 to 16x64");
            Map<String, NDArray> sd = model.stateDict();
            assertThat(sd.get("v.patch_embed.proj.weight").toFloatArray())
                    .isEqualTo(Resize.piResize(src.get("v.patch_embed.proj.weight").f32(), 64, 1, 16, 16, 16, 64));
            // upsampling by PI keeps every token: a 16 x 64 patch that is the bilinear upsampling of a 16 x 16 patch x
            // gives the checkpoint kernel's response to x (FlexiViT's property, which the coarse phase relies on)
            double[][] b = Resize.resizeBasis(16, 16, 16, 64);
            float[] w = src.get("v.patch_embed.proj.weight").f32();
            float[] w2 = sd.get("v.patch_embed.proj.weight").toFloatArray();
            java.util.Random r = new java.util.Random(7);
            double[] x = new double[256];
            for (int i = 0; i < 256; i++) x[i] = r.nextGaussian();
            double direct = 0;
            double resized = 0;
            for (int i = 0; i < 256; i++) direct += w[i] * x[i];
            for (int j = 0; j < 16 * 64; j++) {
                double bx = 0;
                for (int i = 0; i < 256; i++) bx += b[j][i] * x[i];
                resized += w2[j] * bx;
            }
            assertThat(resized).isCloseTo(direct, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void aBackboneOfAnotherFamilyIsRefusedNamingItsTensors() {
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = aum(m, 128, 4);
            assertThatThrownBy(() -> ModelInit.apply(model, YG)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("not an Audio Mamba checkpoint");
        }
    }
}
