package org.tempora.tokens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;
import org.tempora.nn.Init;
import org.tempora.nn.Module;
import org.tempora.nn.Ops;
import org.tempora.nn.Parameter;

/**
 * Patch embedding: a {@code Conv2d(C → D, kernel (pf, pt), stride (fs, ts))} over the spectrogram laid out as
 * an image {@code [B, C, F, T]} (frequency = height, time = width), flattened to tokens {@code [B, N, D]} with
 * time fastest (token n = fi·t_dim + ti), exactly as AST. Square 16×16 patches, rectangular {@code p × C·p}
 * patches (coarse-to-fine) and full-frequency temporal patches (FFTP, {@code pf = F}) are all this module
 * with different geometry. The PyTorch key is {@code proj.weight} / {@code proj.bias}.
 */
public final class PatchEmbed extends Module {
    private final PatchGeometry geometry;
    private final Module proj;

    /** Holder for the conv parameters under the name {@code proj}. */
    private static final class Proj extends Module {
        final Parameter weight;
        final Parameter bias;

        Proj(NDArray w, NDArray b) {
            weight = param("weight", w, true);
            bias = param("bias", b, false);
        }
    }

    /** PyTorch's default Conv2d init: U(±1/√(C·pf·pt)) for weight and bias. */
    public PatchEmbed(NDManager m, SplittableRandom rng, PatchGeometry g, int dim) {
        this.geometry = g;
        long fanIn = (long) g.inChannels() * g.patchF() * g.patchT();
        this.proj = child("proj", new Proj(
                Init.torchDefaultWeight(m, rng, fanIn, dim, g.inChannels(), g.patchF(), g.patchT()),
                Init.torchDefaultWeight(m, rng, fanIn, dim)));
    }

    public PatchGeometry geometry() {
        return geometry;
    }

    public Parameter weight() {
        return ((Proj) proj).weight;
    }

    public Parameter bias() {
        return ((Proj) proj).bias;
    }

    /**
     * @param x [B, T, F] (one channel) or [B, C, T, F]
     * @return tokens [B, N, D]
     */
    public NDArray forward(NDArray x) {
        NDArray img = x.getShape().dimension() == 3 ? x.transpose(0, 2, 1).expandDims(1) : x.transpose(0, 1, 3, 2);
        NDArray y = Ops.conv2d(img, weight().array(), bias().array(), geometry.strideF(), geometry.strideT());
        long b = y.getShape().get(0);
        long d = y.getShape().get(1);
        return y.reshape(b, d, -1).transpose(0, 2, 1);
    }
}
