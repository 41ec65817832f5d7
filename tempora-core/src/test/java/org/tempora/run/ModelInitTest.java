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
import org.tempora.tokens.Resize;

/** {@code train.init} ({@link ModelInit}): a model starts from the interop/ast checkpoint's weights. */
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
}
