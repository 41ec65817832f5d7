package org.tempora.model;

import ai.djl.ndarray.NDManager;
import org.tempora.ConfigException;
import org.tempora.config.BackboneSpec;
import org.tempora.config.ExperimentConfig;
import org.tempora.model.mamba.AumConfig;
import org.tempora.model.mamba.Bimamba;
import org.tempora.model.mamba.SelectiveScan;
import org.tempora.resolution.ResolutionStage;
import org.tempora.resolution.ResolutionStages;
import org.tempora.tokens.PatchGeometry;

/**
 * Builds the model an experiment config names: resolution stage → tokens → backbone → head, sized for the
 * input (frames × mel bins) and the number of classes.
 */
public final class ModelFactory {
    private ModelFactory() {}

    /** Everything the model depends on besides the config. */
    public record Input(int frames, int bins, int numClasses, double normMean, double normStd) {}

    /** Mixed into the experiment seed for the resolution stage's initialisation (DiffRes's estimator). */
    public static final long RESOLUTION_SEED = 0x5EED_0001L;

    public static TemporaModel build(ExperimentConfig cfg, Input in, NDManager manager) {
        ResolutionStage res = ResolutionStages.build(cfg, in.frames(), in.bins(), manager, cfg.seed() ^ RESOLUTION_SEED);
        int frames = res == null ? in.frames() : res.outputFrames();
        int channels = res == null ? 1 : res.outputChannels();
        PatchGeometry g = geometry(cfg.tokens(), channels, in.bins(), frames);
        return new TemporaModel(manager, res, backbone(cfg, g, in.numClasses(), manager), in.normMean(), in.normStd());
    }

    /** The backbone (with its head) a config names, for a given token grid ({@link Components}' registry). */
    public static Backbone backbone(ExperimentConfig cfg, PatchGeometry g, int classes, NDManager manager) {
        return Components.backbone(cfg, g, classes, manager);
    }

    /** The patch grid of the tokens section for an input of {@code frames × bins} with {@code channels}. */
    public static PatchGeometry geometry(ExperimentConfig.Tokens t, int channels, int bins, int frames) {
        return switch (t.kind()) {
            case SQUARE, RECT -> {
                if (t.patch().size() != 2 || t.stride().size() != 2) throw new ConfigException("tokens.patch and tokens.stride need two values (frequency, time)");
                yield new PatchGeometry(channels, bins, frames, t.patch().get(0), t.patch().get(1), t.stride().get(0), t.stride().get(1));
            }
            case FFTP -> new PatchGeometry(channels, bins, frames, bins, t.fftpWidth(), bins, t.fftpStride());
        };
    }

    public static AstConfig astConfig(BackboneSpec.Ast b, PatchGeometry g, int classes) {
        AstConfig base = AstConfig.preset(b.size(), g, classes);
        int dim = b.dim() != null ? b.dim() : base.dim();
        int heads = b.heads() != null ? b.heads() : base.heads();
        int depth = b.depth() != null ? b.depth() : base.depth();
        int hidden = b.dim() != null ? 4 * dim : base.mlpHidden();
        return new AstConfig(dim, depth, heads, hidden, g, classes);
    }

    /**
     * Audio Mamba from the backbone section: {@code size} preset, {@code dim}/{@code depth} overrides,
     * {@code bimamba} (none, v1, v2), {@code scan} (auto, sequential, parallel, chunked) and {@code scan_chunk}.
     */
    public static AumConfig aumConfig(BackboneSpec.Aum b, PatchGeometry g, int classes) {
        AumConfig base = AumConfig.preset(b.size(), Bimamba.parse(b.bimamba()), g, classes, SelectiveScan.Mode.parse(b.scan(), b.scanChunk()));
        int dim = b.dim() != null ? b.dim() : base.dim();
        int depth = b.depth() != null ? b.depth() : base.depth();
        return new AumConfig(dim, depth, base.variant(), g, classes, base.scan());
    }
}
