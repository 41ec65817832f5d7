package org.tempora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.InvalidInputException;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.nn.Module;
import org.tempora.nn.Parameter;
import org.tempora.nn.StateDict;
import org.tempora.resolution.ResolutionStage;

/**
 * The learnable part of the pipeline: raw log-mel {@code [B, T, F]} → resolution stage (optional) →
 * normalisation {@code (x − mean)/(2·std)} of the log-mel channels → tokens → backbone → head → logits.
 *
 * <p>Checkpoint keys: the backbone's own PyTorch names ({@code v.*}, {@code mlp_head.*} for AST), and the
 * resolution stage's under {@code resolution.}.
 */
public final class TemporaModel implements AutoCloseable {
    /** Output of one forward pass. */
    public record Output(NDArray logits, NDArray auxLoss, Map<String, NDArray> extras) {}

    private final NDManager manager;
    private final ResolutionStage resolution;
    private final Module backbone;
    private final float normMean;
    private final float normDivisor;

    public TemporaModel(NDManager manager, ResolutionStage resolution, Module backbone, double normMean, double normStd) {
        if (!(backbone instanceof Classifier)) throw new IllegalArgumentException("backbone must be a Classifier");
        this.manager = manager;
        this.resolution = resolution;
        this.backbone = backbone;
        this.normMean = (float) normMean;
        this.normDivisor = (float) (normStd * 2.0);
    }

    public NDManager manager() {
        return manager;
    }

    public Module backbone() {
        return backbone;
    }

    public ResolutionStage resolution() {
        return resolution;
    }

    public float normMean() {
        return normMean;
    }

    public float normStd() {
        return normDivisor / 2f;
    }

    public void train(boolean on) {
        backbone.train(on);
        if (resolution != null && resolution.module() != null) resolution.module().train(on);
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
        return new Output(((Classifier) backbone).forward(x), aux, extras);
    }

    /** Normalises the log-mel channels of [B, C, t, F]; squeezes C = 1 to [B, t, F]. */
    private NDArray normalizeChannels(NDArray f, boolean[] logMel) {
        int c = logMel.length;
        NDArray out;
        boolean all = true;
        for (boolean b : logMel) all &= b;
        if (all) {
            out = org.tempora.nn.Ops.div(f.sub(normMean), normDivisor);
        } else {
            float[] scale = new float[c];
            float[] shift = new float[c];
            for (int i = 0; i < c; i++) {
                scale[i] = logMel[i] ? 1f / normDivisor : 1f;
                shift[i] = logMel[i] ? -normMean / normDivisor : 0f;
            }
            NDManager scope = f.getManager();
            out = f.mul(scope.create(scale, new ai.djl.ndarray.types.Shape(1, c, 1, 1)))
                    .add(scope.create(shift, new ai.djl.ndarray.types.Shape(1, c, 1, 1)));
        }
        return c == 1 ? out.squeeze(1) : out;
    }

    /** Every trainable parameter, keyed as in the checkpoint. */
    public Map<String, Parameter> parameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        if (resolution != null && resolution.module() != null) {
            resolution.module().namedParameters().forEach((k, v) -> out.put("resolution." + k, v));
        }
        out.putAll(backbone.namedParameters());
        return out;
    }

    /** Parameters and buffers, keyed as in the checkpoint. */
    public Map<String, NDArray> stateDict() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        if (resolution != null && resolution.module() != null) {
            resolution.module().stateDict().forEach((k, v) -> out.put("resolution." + k, v));
        }
        out.putAll(backbone.stateDict());
        return out;
    }

    /** Forward FLOPs per example: resolution stage + backbone (analytic). */
    public double flopsPerExample() {
        return backboneFlops() + (resolution == null ? 0 : resolution.flopsPerExample());
    }

    public double backboneFlops() {
        return ((Classifier) backbone).flopsPerExample();
    }

    public int tokens() {
        return ((Classifier) backbone).tokens();
    }

    public long parameterCount() {
        return parameters().values().stream().mapToLong(p -> p.array().size()).sum();
    }

    public void save(Path file) throws IOException {
        Map<String, Npz.Entry> e = new LinkedHashMap<>();
        stateDict().forEach((k, v) -> e.put(k, StateDict.entry(v)));
        Npz.write(file, e);
    }

    public void load(Path file) {
        load(Npz.read(file), file.toString());
    }

    /** Loads every tensor (strict: a missing or extra key is an error naming the file). */
    public void load(Map<String, Npy.Array> values, String source) {
        Map<String, Npy.Array> res = new LinkedHashMap<>();
        Map<String, Npy.Array> rest = new LinkedHashMap<>();
        values.forEach((k, v) -> (k.startsWith("resolution.") ? res : rest).put(k.startsWith("resolution.") ? k.substring(11) : k, v));
        List<String> extra = StateDict.load(backbone, rest, true, source);
        if (resolution != null && resolution.module() != null) {
            extra = new java.util.ArrayList<>(extra);
            extra.addAll(StateDict.load(resolution.module(), res, true, source));
        } else if (!res.isEmpty()) {
            throw new InvalidInputException(source, "has resolution-stage tensors but the model has no such stage");
        }
        if (!extra.isEmpty()) throw new InvalidInputException(source, "unexpected tensors: " + String.join(", ", extra));
    }

    @Override
    public void close() {
        manager.close();
    }
}
