package org.tempora.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tempora.io.Npy;
import org.tempora.testing.Fixtures;

/**
 * AST's ImageNet→audio adaptation (fixtures/ast/posembed_adapt_*, README §3): the DeiT positional-embedding grid is
 * cut or bilinearly interpolated (time axis first, then frequency), cls/dist kept, and the RGB patch kernel summed
 * over its input channels. Tolerance abs 1e-6.
 */
class AstPosEmbedAdaptFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"posembed_adapt_tiny224_s10_t1024", "posembed_adapt_tiny224_s10_t100",
            "posembed_adapt_tiny224_s6_t100", "posembed_adapt_base384_s16_t1024"})
    void matchesReference(String name) {
        Path dir = Fixtures.caseDir("ast", name);
        JsonNode c = Fixtures.caseJson(dir);
        int hw = c.get("grid").get("original_hw").asInt();
        int stride = Integer.parseInt(name.replaceAll(".*_s(\\d+)_.*", "$1"));
        int tdim = Integer.parseInt(name.replaceAll(".*_t(\\d+)$", "$1"));
        PatchGeometry g = PatchGeometry.square(128, tdim, 16, stride, stride);
        assertThat(g.fDim()).isEqualTo(c.get("grid").get("f_dim").asInt());
        assertThat(g.tDim()).isEqualTo(c.get("grid").get("t_dim").asInt());

        Npy.Array orig = Fixtures.npy(dir, "pos_embed_orig.npy");
        int d = orig.shape()[2];
        assertThat(orig.shape()).containsExactly(1, 2 + hw * hw, d);
        float[] adapted = Resize.astAdaptPosEmbed(orig.f32(), 2, d, hw, hw, g.fDim(), g.tDim());
        Npy.Array ref = Fixtures.npy(dir, "pos_embed_adapted.npy");
        assertThat(ref.shape()).containsExactly(1, 2 + g.numPatches(), d);
        ResizeFixtureTest.assertClose(name + " pos_embed", adapted, ref, 1e-6);
        assertThat(Arrays.copyOf(adapted, 2 * d)).containsExactly(Arrays.copyOf(orig.f32(), 2 * d));

        Npy.Array w = Fixtures.npy(dir, "proj_weight_orig.npy");
        int[] s = w.shape();
        float[] summed = Resize.sumInputChannels(w.f32(), s[0], s[1], s[2], s[3]);
        ResizeFixtureTest.assertClose(name + " proj_weight (RGB sum)", summed, Fixtures.npy(dir, "proj_weight_adapted.npy"), 1e-6);
    }
}
