package org.tempora.extending;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import java.util.List;
import java.util.SplittableRandom;
import org.tempora.config.BackboneSpec;
import org.tempora.config.ExperimentConfig;
import org.tempora.eval.FlopCount;
import org.tempora.eval.Flops;
import org.tempora.model.Backbone;
import org.tempora.nn.Linear;
import org.tempora.tokens.PatchGeometry;

/**
 * docs/extending.md's worked example: a toy backbone that projects every frame's mel bins to a width D, applies a
 * ReLU, and classifies the whole [t, D] map with one linear layer (so it can see when things happen, which the
 * synthetic classes differ by). One class (this), one config record ({@link Config}), one registry line
 * ({@code Components.register("framemlp", FrameMlpBackbone::build)}) and a preset (a config file with
 * {@code backbone.kind: framemlp}).
 */
public final class FrameMlpBackbone extends Backbone {
    /** Its config: the width D, the input grid and the number of classes; it counts its own FLOPs. */
    public record Config(int dim, int channels, int frames, int bins, int classes) {
        public FlopCount flops() {
            return Flops.linear((long) channels * frames, bins, dim).as("proj")
                    .plus(FlopCount.elementwise("relu", (long) frames * dim, Flops.RELU))
                    .plus(Flops.linear(1, (long) frames * dim, classes).as("head"));
        }
    }

    private final Config config;
    private final Linear proj;
    private final Linear head;

    public FrameMlpBackbone(NDManager m, Config config, long seed) {
        this.config = config;
        SplittableRandom rng = new SplittableRandom(seed);
        proj = child("proj", Linear.torchDefault(m, rng, config.bins(), config.dim(), true));
        head = child("head", Linear.torchDefault(m, rng, config.frames() * config.dim(), config.classes(), true));
    }

    /** The {@code backbone} section of a config naming this kind: its keys and nothing else. */
    public record Spec(String kind, int dim) implements BackboneSpec {
        public static final Spec DEFAULTS = new Spec("framemlp", 16);

        @Override
        public List<String> problems() {
            return dim >= 1 ? List.of() : List.of("bad value for 'backbone.dim': " + dim + " (must be >= 1)");
        }
    }

    /** The registry's factory: the grid the tokens section would lay out gives the input shape. */
    public static FrameMlpBackbone build(Spec spec, ExperimentConfig cfg, PatchGeometry grid, int classes, NDManager m) {
        return new FrameMlpBackbone(m, new Config(spec.dim(), grid.inChannels(), grid.frames(), grid.freqBins(), classes), cfg.seed());
    }

    /** features {@code [B, t, F]} (or {@code [B, C, t, F]}, channels averaged) → logits {@code [B, classes]}. */
    @Override
    public NDArray forward(NDArray features) {
        NDArray x = features.getShape().dimension() == 4 ? features.mean(new int[] {1}) : features;
        NDArray h = Activation.relu(proj.forward(x));
        return head.forward(h.reshape(h.getShape().get(0), -1));
    }

    @Override
    public double flopsPerExample() {
        return config.flops().total();
    }

    @Override
    public int tokens() {
        return config.frames();
    }
}
