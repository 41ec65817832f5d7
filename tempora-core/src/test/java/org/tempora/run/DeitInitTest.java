package org.tempora.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.InvalidInputException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.interop.AstCheckpoint;
import org.tempora.interop.AstLayout;
import org.tempora.io.Checkpoints;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.io.TorchSave;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.testing.Fixtures;
import org.tempora.tokens.Resize;

/**
 * An ImageNet DeiT checkpoint (timm's layout, interop/deit: the real deit_base_distilled_patch16_384 geometry, RGB
 * 16×16 patches, a 24×24 position grid and two tokens, at width 16 and depth 2) becomes an AST as AST's constructor
 * makes it: the reference (tools/interop/make_fixtures.py, float64) adapts it independently and gives the logits of
 * that AST with an exported random head.
 */
class DeitInitTest {
    static final Path DIR = Fixtures.interop("deit");
    static final Path DEIT = DIR.resolve("deit.pth");

    @TempDir
    Path tmp;

    static TemporaModel model(NDManager m, int frames) {
        ExperimentConfig cfg = ConfigLoader.load(null, null, List.of("backbone.dim=16", "backbone.depth=2", "backbone.heads=2"));
        return ModelFactory.build(cfg, new ModelFactory.Input(frames, 128, 3, 0, 0.5), m);
    }

    @ParameterizedTest
    @CsvSource({
        "100, 9, 'v.pos_embed adapted from the 24x24 ImageNet grid to 12x9 as AST does (time columns cut, frequency rows cut)'",
        "256, 25, 'v.pos_embed adapted from the 24x24 ImageNet grid to 12x25 as AST does (time stretched, frequency rows cut)'"})
    void initialisedAstGivesTheReferenceLogits(int frames, int tDim, String posNote) {
        Map<String, Npy.Array> src = Checkpoints.read(DEIT).tensors(); // timm's names, read from under 'model'
        try (NDManager m = NDManager.newBaseManager()) {
            TemporaModel model = model(m, frames);
            float[] headBefore = model.stateDict().get("mlp_head.1.weight").toFloatArray();
            List<String> notes = ModelInit.apply(model, DEIT);
            // 5 + 2 x 12 + 2 backbone tensors copied; mlp_head's 4 stay fresh
            assertThat(notes).containsExactly("31 of 35 tensors from " + DEIT, "the head mlp_head is new (the checkpoint has none)",
                    posNote, "v.patch_embed.proj.weight summed over its 3 (RGB) input channels");
            Map<String, NDArray> sd = model.stateDict();
            assertThat(sd.get("mlp_head.1.weight").toFloatArray()).isEqualTo(headBefore);
            assertThat(sd.get("v.blocks.1.mlp.fc2.weight").toFloatArray()).isEqualTo(src.get("blocks.1.mlp.fc2.weight").f32());
            assertThat(sd.get("v.patch_embed.proj.bias").toFloatArray()).isEqualTo(src.get("patch_embed.proj.bias").f32());
            assertThat(sd.get("v.patch_embed.proj.weight").getShape()).isEqualTo(new Shape(16, 1, 16, 16));
            assertThat(sd.get("v.pos_embed").getShape()).isEqualTo(new Shape(1, 2 + 12 * tDim, 16));
            assertThat(sd.get("v.pos_embed").toFloatArray())
                    .isEqualTo(Resize.astAdaptPosEmbed(src.get("pos_embed").f32(), 2, 16, 24, 24, 12, tDim));
            if (tDim == 9) {
                // AST's centre cut of the 24x24 grid: rows 6..17, columns 8..16; patch (0, 0) is source position (6, 8)
                float[] pe = sd.get("v.pos_embed").toFloatArray();
                float[] s = src.get("pos_embed").f32();
                for (int c = 0; c < 16; c++) assertThat(pe[2 * 16 + c]).isEqualTo(s[(2 + 6 * 24 + 8) * 16 + c]);
            }

            // the reference's head, then the reference's input
            Map<String, Npy.Array> head = Checkpoints.read(DIR.resolve("head.pth")).tensors();
            assertThat(head.keySet()).containsExactly("mlp_head.0.weight", "mlp_head.0.bias", "mlp_head.1.weight", "mlp_head.1.bias");
            for (Map.Entry<String, Npy.Array> e : head.entrySet()) sd.get(e.getKey()).set(e.getValue().f32());
            model.train(false);
            Npy.Array input = Npy.read(DIR.resolve("input_t" + frames + ".npy"));
            float[] want = Npy.read(DIR.resolve("logits_t" + frames + ".npy")).f32();
            try (NDManager b = m.newSubManager()) {
                // norm mean 0, std 0.5: the fixture's normalised input passes unchanged
                NDArray x = b.create(input.f32(), new Shape(input.shape()[0], input.shape()[1], input.shape()[2]));
                float[] got = model.forward(x, false).logits().toFloatArray();
                assertThat(got).hasSize(3);
                for (int i = 0; i < want.length; i++) assertThat((double) Math.abs(got[i] - want[i])).as("logit %d", i).isLessThanOrEqualTo(1e-4);
            }
        }
    }

    @Test
    void diffResGetsTheSummedKernelSharedEvenThoughTheRgbShapeMatches() {
        // DiffRes (avg, max, pos) has a 3-channel kernel like RGB: the shapes agree, but RGB must not land in avg/max/pos
        Map<String, Npy.Array> src = Checkpoints.read(DEIT).tensors();
        try (NDManager m = NDManager.newBaseManager()) {
            ExperimentConfig cfg = ConfigLoader.load(null, null, List.of("backbone.dim=16", "backbone.depth=2", "backbone.heads=2",
                    "resolution.kind=diffres", "resolution.reduction=0.5", "resolution.channels=[avg, max, pos]"));
            TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(128, 128, 3, 0, 0.5), m);
            List<String> notes = ModelInit.apply(model, DEIT);
            assertThat(notes).contains("v.patch_embed.proj.weight summed over its 3 (RGB) input channels, then shared among the 2 log-mel "
                    + "channels of 3 (each 1/2 of it), zero for the resolution encoding", "v.pos_embed adapted from the 24x24 ImageNet grid to 12x12 as "
                    + "AST does (time columns cut, frequency rows cut), then resampled from the full-resolution 12x12 grid to the 12x5 grid the backbone sees");
            float[] rgb = src.get("patch_embed.proj.weight").f32();
            float[] got = model.stateDict().get("v.patch_embed.proj.weight").toFloatArray();
            assertThat(got).hasSize(16 * 3 * 256);
            for (int o = 0; o < 16; o++) {
                for (int p = 0; p < 256; p++) {
                    float sum = (float) ((double) rgb[(o * 3) * 256 + p] + rgb[(o * 3 + 1) * 256 + p] + rgb[(o * 3 + 2) * 256 + p]);
                    assertThat(got[(o * 3) * 256 + p]).isEqualTo(sum / 2);
                    assertThat(got[(o * 3 + 1) * 256 + p]).isEqualTo(sum / 2);
                    assertThat(got[(o * 3 + 2) * 256 + p]).isZero();
                }
            }
            float[] cut = Resize.astAdaptPosEmbed(src.get("pos_embed").f32(), 2, 16, 24, 24, 12, 12);
            assertThat(model.stateDict().get("v.pos_embed").toFloatArray()).isEqualTo(Resize.resamplePosEmbed(cut, 2, 16, 12, 12, 12, 5, false));
        }
    }

    @Test
    void timmLayoutIsDetectedNestedFlatOrWithModulePrefix() throws Exception {
        AstCheckpoint nested = AstCheckpoint.read(DEIT, null);
        assertThat(nested.layout()).isEqualTo(AstLayout.TIMM);
        assertThat(nested.imagenet()).isTrue();
        assertThat(nested.tensors()).hasSize(31).containsKeys("v.cls_token", "v.dist_token", "v.pos_embed", "v.blocks.1.attn.qkv.bias", "v.norm.bias")
                .doesNotContainKeys("v.head.weight", "v.head_dist.weight", "head.weight");
        assertThat(nested.dim()).isEqualTo(16);
        assertThat(nested.depth()).isEqualTo(2);
        assertThat(nested.patchKernel()).containsExactly(3, 16, 16);
        assertThat(nested.patchPositions()).isEqualTo(576);

        Map<String, Npy.Array> timm = Checkpoints.read(DEIT).tensors();
        Map<String, Npz.Entry> flat = new LinkedHashMap<>();
        Map<String, Npz.Entry> prefixed = new LinkedHashMap<>();
        for (Map.Entry<String, Npy.Array> e : timm.entrySet()) {
            flat.put(e.getKey(), new Npz.Entry(e.getValue().f32(), e.getValue().shape()));
            prefixed.put("module." + e.getKey(), new Npz.Entry(e.getValue().f32(), e.getValue().shape()));
        }
        TorchSave.write(tmp.resolve("flat.pth"), flat);
        TorchSave.write(tmp.resolve("dp.pth"), prefixed);
        for (String f : List.of("flat.pth", "dp.pth")) {
            AstCheckpoint c = AstCheckpoint.read(tmp.resolve(f), f.equals("dp.pth") ? AstLayout.TIMM : null);
            assertThat(c.layout()).isEqualTo(AstLayout.TIMM);
            assertThat(c.tensors().keySet()).containsExactlyElementsOf(nested.tensors().keySet());
            for (String k : c.tensors().keySet()) assertThat(c.tensors().get(k).f32()).as(k).isEqualTo(nested.tensors().get(k).f32());
        }
        assertThat(AstLayout.parse("timm")).isEqualTo(AstLayout.TIMM);
        assertThatThrownBy(() -> AstCheckpoint.read(DEIT, AstLayout.YUANGONG)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("the tensors are in the timm layout, not yuangong (use --layout timm)");
    }

    @Test
    void refusesOneTokenViTsForeignKeysAndImport() throws Exception {
        Map<String, Npy.Array> timm = Checkpoints.read(DEIT).tensors();
        Map<String, Npy.Array> noDist = new LinkedHashMap<>(timm);
        noDist.remove("dist_token");
        assertThatThrownBy(() -> AstLayout.TIMM.toTempora(noDist, "vit.pth")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vit.pth").hasMessageContaining("has no dist_token").hasMessageContaining("distilled DeiT");
        Map<String, Npy.Array> extra = new LinkedHashMap<>(timm);
        extra.put("fc_norm.weight", timm.get("norm.weight"));
        assertThatThrownBy(() -> AstLayout.TIMM.toTempora(extra, "x.pth")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("tensors that are not part of an AST in the timm layout: fc_norm.weight");

        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> ModelImport.run(ModelImportTest.options(DEIT, null, null, List.of("backbone.heads=2"), out)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is an ImageNet DeiT checkpoint (timm layout)")
                .hasMessageContaining("start a training from it with tempora train --init " + DEIT);
        assertThat(out).doesNotExist();
    }
}
