package org.tempora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tempora.io.Npy;
import org.tempora.nn.StateDict;
import org.tempora.testing.Fixtures;
import org.tempora.tokens.PatchGeometry;

/**
 * AST parity with YuanGongND/ast @31088be + timm 0.4.5 (fixtures/ast): our model loads the reference
 * state_dict by PyTorch key and reproduces tokens, positional embeddings, block outputs and logits within
 * abs 1e-4 (the case.json tolerance).
 */
class AstFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny224_s10_t100", "tiny224_s16_t128"})
    void matchesReference(String name) {
        Path dir = Fixtures.caseDir("ast", name);
        var c = Fixtures.caseJson(dir);
        var arch = c.get("architecture");
        int stride = name.contains("s16") ? 16 : 10;
        Npy.Array input = Fixtures.npy(dir, "input.npy");
        int frames = input.shape()[1];
        PatchGeometry g = PatchGeometry.square(128, frames, 16, stride, stride);
        assertThat(g.fDim()).isEqualTo(arch.get("f_dim").asInt());
        assertThat(g.tDim()).isEqualTo(arch.get("t_dim").asInt());
        AstConfig cfg = AstConfig.preset("tiny", g, 35).withDepth(2);
        try (NDManager m = NDManager.newBaseManager()) {
            Ast ast = new Ast(m, cfg, 0);
            Map<String, Npy.Array> sd = new HashMap<>(StateDict.readFolder(Fixtures.caseDir("ast", "tiny224_s10_t100").resolve("state_dict")));
            sd.putAll(StateDict.readFolder(dir.resolve("state_dict"))); // s16 stores only its own pos_embed
            List<String> unexpected = StateDict.load(ast, sd, true, name);
            assertThat(unexpected).isEmpty();
            ast.train(false);
            try (NDManager batch = m.newSubManager()) {
                NDArray x = batch.create(input.f32(), new Shape(input.shape()[0], input.shape()[1], input.shape()[2]));
                Map<String, NDArray> trace = new HashMap<>();
                NDArray logits = ast.forward(x, trace);
                for (String t : new String[] {"patch_tokens", "tokens_with_pos", "block0_out", "block1_out", "final_norm", "pooled"}) {
                    if (!dir.resolve(t + ".npy").toFile().exists()) continue;
                    assertClose(name + " " + t, trace.get(t), Fixtures.npy(dir, t + ".npy"), 1e-4);
                }
                assertClose(name + " logits", logits, Fixtures.npy(dir, "logits.npy"), 1e-4);
            }
        }
    }

    static void assertClose(String what, NDArray got, Npy.Array ref, double tol) {
        assertThat(got.getShape().getShape()).as(what + " shape").containsExactly(
                java.util.Arrays.stream(ref.shape()).asLongStream().toArray());
        float[] g = got.toFloatArray();
        float[] r = ref.f32();
        double worst = 0;
        for (int i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(g[i] - r[i]));
        assertThat(worst).as(what + " max |diff|").isLessThanOrEqualTo(tol);
    }
}
