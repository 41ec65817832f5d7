package org.tempora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tempora.InvalidInputException;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.nn.Module;
import org.tempora.nn.Ops;
import org.tempora.nn.Parameter;
import org.tempora.nn.StateDict;
import org.tempora.resolution.ResolutionStage;

/**
 * The whole learnable pipeline as one {@link Module} tree: raw log-mel {@code [B, T, F]} → resolution stage (optional,
 * child {@code resolution}) → normalisation {@code (x − mean)/(2·std)} of the log-mel channels → backbone (tokens,
 * encoder, head; registered without a prefix) → logits. Parameters, buffers, state dict, train/eval mode and loading
 * all come from the tree.
 *
 * <p>Checkpoint keys: the backbone's own PyTorch names ({@code v.*}, {@code mlp_head.*} for AST), and the
 * resolution stage's under {@code resolution.}.
 */
public final class TemporaModel extends Module implements AutoCloseable {
    /** Output of one forward pass. */
    public record Output(NDArray logits, NDArray auxLoss, Map<String, NDArray> extras) {}

    private final NDManager manager;
    private final ResolutionStage resolution;
    private final Backbone backbone;
    private final float normMean;
    private final float normDivisor;

    /**
     * @param resolution the resolution stage, or null (the spectrogram goes to the backbone unchanged)
     * @param normMean   dataset mean of the log-mel input
     * @param normStd    dataset std (the divisor is 2·std, as AST)
     */
    public TemporaModel(NDManager manager, ResolutionStage resolution, Backbone backbone, double normMean, double normStd) {
        this.manager = manager;
        this.resolution = resolution == null ? null : child("resolution", resolution);
        this.backbone = inline("backbone", backbone);
        this.normMean = (float) normMean;
        this.normDivisor = (float) (normStd * 2.0);
    }

    public NDManager manager() {
        return manager;
    }

    public Backbone backbone() {
        return backbone;
    }

    /** The resolution stage, or null. */
    public ResolutionStage resolution() {
        return resolution;
    }

    /** Tells the resolution stage that a training epoch starts (0-based, counted across phases). */
    public void startEpoch(int epoch) {
        if (resolution != null) resolution.startEpoch(epoch);
    }

    public float normMean() {
        return normMean;
    }

    public float normStd() {
        return normDivisor / 2f;
    }

    public Output forward(NDArray logMel, boolean training) {
        NDArray x;
        NDArray aux = null;
        Map<String, NDArray> extras = Map.of();
        if (resolution == null) {
            x = logMel.sub(normMean).div(normDivisor);
        } else {
            ResolutionStage.Output r = resolution.forward(logMel, training);
            aux = r.auxLoss();
            extras = r.extras();
            x = normalizeChannels(r.features(), resolution.logMelChannels());
        }
        return new Output(backbone.forward(x), aux, extras);
    }

    /** Normalises the log-mel channels of [B, C, t, F]; squeezes C = 1 to [B, t, F]. */
    private NDArray normalizeChannels(NDArray f, boolean[] logMel) {
        int c = logMel.length;
        NDArray out;
        boolean all = true;
        for (boolean b : logMel) all &= b;
        if (all) {
            out = Ops.div(f.sub(normMean), normDivisor);
        } else {
            float[] scale = new float[c];
            float[] shift = new float[c];
            for (int i = 0; i < c; i++) {
                scale[i] = logMel[i] ? 1f / normDivisor : 1f;
                shift[i] = logMel[i] ? -normMean / normDivisor : 0f;
            }
            NDManager scope = f.getManager();
            out = f.mul(scope.create(scale, new Shape(1, c, 1, 1))).add(scope.create(shift, new Shape(1, c, 1, 1)));
        }
        return c == 1 ? out.squeeze(1) : out;
    }

    /** Every trainable parameter, keyed as in the checkpoint (the tree's {@link #namedParameters()}). */
    public Map<String, Parameter> parameters() {
        return namedParameters();
    }

    /** Forward FLOPs per example: resolution stage + backbone (analytic). */
    public double flopsPerExample() {
        return backboneFlops() + (resolution == null ? 0 : resolution.flopsPerExample());
    }

    public double backboneFlops() {
        return backbone.flopsPerExample();
    }

    public int tokens() {
        return backbone.tokens();
    }

    public void save(Path file) throws IOException {
        StateDict.save(this, file);
    }

    public void load(Path file) {
        load(Npz.read(file), file.toString());
    }

    /** Loads every tensor (strict: a missing or extra key is an error naming the file). */
    public void load(Map<String, Npy.Array> values, String source) {
        if (resolution == null && values.keySet().stream().anyMatch(k -> k.startsWith("resolution."))) {
            throw new InvalidInputException(source, "has resolution-stage tensors but the model has no such stage");
        }
        List<String> extra = StateDict.load(this, values, true, source);
        if (!extra.isEmpty()) throw new InvalidInputException(source, "unexpected tensors: " + String.join(", ", extra));
    }

    @Override
    public void close() {
        manager.close();
    }
}
