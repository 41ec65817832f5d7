package org.tempora.train.phases;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.tempora.ConfigException;
import org.tempora.config.Choices;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.config.ResolutionSpec;
import org.tempora.model.Ast;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.resolution.ResolutionStage;
import org.tempora.resolution.ResolutionStages;
import org.tempora.tokens.PatchGeometry;

/**
 * What one phase changes in the pipeline, for an experiment config (reference-spec §3.3, paper §2.3), with C the
 * phase's factor:
 * <ul>
 *   <li><b>fshift</b>: the fbank frame shift × C and the padded/truncated length {@code ⌊T/C⌋} frames — the data side
 *       computes (and caches, under its own key) separate features; SpecAugment's time mask is scaled to
 *       {@code round(timem / C)} frames so that it masks the same duration (our choice; the paper does not say);</li>
 *   <li><b>avgpool / maxpool</b>: full-resolution features, then {@link TimePooling} (kernel = stride = C along
 *       time) inside the model, so the backbone sees {@code ⌊T/C⌋} frames;</li>
 *   <li><b>patch</b>: full-resolution features; the patch and its stride are C times wider in time ({@code p × C·p},
 *       time stride × C; for FFTP tokens the width and stride × C);</li>
 *   <li><b>none</b> (factor 1): the base config unchanged.</li>
 * </ul>
 *
 * <p><b>With a resolution stage</b> (composition, ours: no paper combines them): a config whose {@code resolution.kind}
 * is not {@code none} keeps its stage in every phase, built for that phase's frames, so DiffRes at δ scores and merges
 * the ⌊T/C⌋ frames of an fshift phase down to {@code int(⌊T/C⌋·(1−δ))}; its estimator's weights do not depend on T
 * and are carried across phases like the backbone's. Pooling phases (avgpool, maxpool) would need a second stage in
 * front of the first and are refused, as are {@code resolution.kind=fshift} (it recomputes the features itself) and a
 * learned resolution-encoding table ({@code resolution.learn_pos_emb}, sized by T) with an fshift phase.
 *
 * @param phase        the phase
 * @param frameShiftMs fbank frame shift of the features the data side must provide
 * @param dataFrames   frames per example the data side provides (features.target_frames of this phase)
 * @param modelFrames  frames the tokeniser sees (after pooling or the resolution stage)
 * @param timeMask     SpecAugment time-mask width in this phase's frames
 * @param patch        tokens.patch() of this phase (frequency, time)
 * @param stride       tokens.stride() of this phase (frequency, time)
 */
public record PhaseInput(PhaseSchedule.Phase phase, double frameShiftMs, int dataFrames, int modelFrames, int timeMask,
                         List<Integer> patch, List<Integer> stride) {

    /** The input of {@code phase} for an experiment config (whose own train.phases are ignored here). */
    public static PhaseInput of(ExperimentConfig cfg, PhaseSchedule.Phase phase) {
        int c = phase.factor();
        int frames = cfg.features().targetFrames();
        if (frames < 1) throw new ConfigException("features.target_frames must be >= 1");
        List<Integer> patch = new ArrayList<>(cfg.tokens().patch());
        List<Integer> stride = new ArrayList<>(cfg.tokens().stride());
        double shift = cfg.features().frameShiftMs();
        int dataFrames = frames;
        int modelFrames = frames;
        int timeMask = cfg.augment().timem();
        String where = "phase " + (phase.index() + 1) + " (" + phase.method().key() + " ×" + c + ")";
        ResolutionSpec res = cfg.resolution();
        boolean staged = !res.kind().equals("none");
        if (staged) {
            if (res.kind().equals("fshift")) {
                throw new ConfigException("train.phases cannot run with resolution.kind fshift (it recomputes the features); use an fshift phase instead");
            }
            if (phase.method() == PhaseSchedule.Method.AVGPOOL || phase.method() == PhaseSchedule.Method.MAXPOOL) {
                throw new ConfigException(where + ": a pooling phase cannot run with resolution.kind " + res.kind()
                        + " (a model has one resolution stage); use fshift or patch phases");
            }
            if (phase.method() == PhaseSchedule.Method.FSHIFT && res instanceof ResolutionSpec.DiffRes d && d.learnPosEmb()) {
                throw new ConfigException(where + ": resolution.learn_pos_emb learns a table of T frames, which an fshift phase changes; set it to false");
            }
        }
        switch (phase.method()) {
            case FSHIFT -> {
                shift = cfg.features().frameShiftMs() * c;
                dataFrames = frames / c;
                modelFrames = dataFrames;
                timeMask = (int) Math.round(cfg.augment().timem() / (double) c);
            }
            case AVGPOOL, MAXPOOL -> modelFrames = frames / c;
            case PATCH -> {
                if (cfg.tokens().kind() != Choices.Tokens.FFTP) {
                    if (patch.size() != 2 || stride.size() != 2) throw new ConfigException("tokens.patch and tokens.stride need two values (frequency, time)");
                    patch.set(1, patch.get(1) * c);
                    stride.set(1, stride.get(1) * c);
                }
            }
            case NONE -> { }
        }
        if (modelFrames < 1) throw new ConfigException(where + ": " + frames + " frames compressed by " + c + " leave none");
        if (staged) {
            modelFrames = ResolutionStages.outputFrames(modelFrames, res.reduction());
            if (modelFrames < 1) throw new ConfigException(where + ": resolution.reduction " + res.reduction() + " leaves no frame of " + dataFrames);
        }
        PhaseInput in = new PhaseInput(phase, shift, dataFrames, modelFrames, timeMask, List.copyOf(patch), List.copyOf(stride));
        try {
            in.geometry(cfg);
        } catch (ConfigException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
        return in;
    }

    /** True when the phase needs its own features (fshift): a separate front-end, cache entry and batch sources. */
    public boolean ownFeatures() {
        return phase.method() == PhaseSchedule.Method.FSHIFT;
    }

    /**
     * The base config as this phase sees it: a deep copy with {@code features.frame_shift_ms},
     * {@code features.target_frames}, {@code augment.timem} and {@code tokens} set for the phase,
     * {@code train.epochs} = the phase's planned length and {@code train.phases} emptied (so the copy is a plain
     * single-phase config: LR schedule and warm-up restart per phase, as the paper resets them). Normalisation
     * statistics are copied as they are: pin them in the base config (from the full-resolution data) so every phase
     * normalises alike.
     */
    public ExperimentConfig config(ExperimentConfig base) {
        ExperimentConfig.Tokens tokens = base.tokens().withPatch(patch, stride);
        if (base.tokens().kind() == Choices.Tokens.FFTP && phase.method() == PhaseSchedule.Method.PATCH) {
            tokens = tokens.withFftp(base.tokens().fftpWidth() * phase.factor(), base.tokens().fftpStride() * phase.factor());
        }
        return base.withFeatures(base.features().withFraming(frameShiftMs, dataFrames))
                .withAugment(base.augment().withTimem(timeMask))
                .withTokens(tokens)
                .withTrain(base.train().withEpochs(phase.epochs()).withPhases(List.of()));
    }

    /** The pooling stage of an avgpool/maxpool phase (null otherwise), for {@code bins} mel bins. */
    public TimePooling pooling(int bins) {
        return switch (phase.method()) {
            case AVGPOOL -> new TimePooling(TimePooling.Kind.AVG, phase.factor(), dataFrames, bins);
            case MAXPOOL -> new TimePooling(TimePooling.Kind.MAX, phase.factor(), dataFrames, bins);
            default -> null;
        };
    }

    /** The token grid of this phase for the config's mel bins. */
    public PatchGeometry geometry(ExperimentConfig base) {
        return ModelFactory.geometry(config(base).tokens(), 1, base.features().melBins(), modelFrames);
    }

    /**
     * The token grid over this phase's input frames ({@link #dataFrames()}), before any resolution stage: what
     * {@code ModelInit.Target} calls the full grid when it is the final phase's.
     */
    public PatchGeometry inputGeometry(ExperimentConfig base) {
        return ModelFactory.geometry(config(base).tokens(), 1, base.features().melBins(), dataFrames);
    }

    /**
     * A fresh model for this phase: the pooling stage of a pooling phase, or else the config's resolution stage built
     * for this phase's frames (if any), in front of a backbone sized by the base config with this phase's token grid.
     * Its weights are random; {@link PhaseTransition#adapt} fills them from the previous phase's model.
     *
     * @param in frames must be {@link #dataFrames()} (what this phase's data provides)
     */
    public TemporaModel buildModel(ExperimentConfig base, ModelFactory.Input in, NDManager manager) {
        if (in.frames() != dataFrames) {
            throw new ConfigException("phase " + (phase.index() + 1) + " expects " + dataFrames + " frames from its data but got " + in.frames());
        }
        if (in.bins() != base.features().melBins()) {
            throw new ConfigException("phase " + (phase.index() + 1) + " expects " + base.features().melBins() + " mel bins but got " + in.bins());
        }
        ExperimentConfig pc = config(base);
        ResolutionStage stage = pooling(in.bins());
        if (stage == null) stage = ResolutionStages.build(pc, dataFrames, in.bins(), manager, base.seed() ^ ModelFactory.RESOLUTION_SEED);
        if (stage != null && stage.outputFrames() != modelFrames) {
            throw new IllegalStateException(stage.describe() + " gives " + stage.outputFrames() + " frames, the phase plans " + modelFrames);
        }
        int channels = stage == null ? 1 : stage.outputChannels();
        PatchGeometry g = ModelFactory.geometry(pc.tokens(), channels, in.bins(), modelFrames);
        return new TemporaModel(manager, stage, ModelFactory.backbone(pc, g, in.numClasses(), manager), in.normMean(), in.normStd());
    }

    /** "fshift ×4: shift 40 ms, 32 frames, tokens 12×2". */
    public String describe(ExperimentConfig base) {
        PatchGeometry g = geometry(base);
        String what = switch (phase.method()) {
            case FSHIFT -> "frame shift " + java.math.BigDecimal.valueOf(frameShiftMs).stripTrailingZeros().toPlainString() + " ms, " + dataFrames + " frames";
            case AVGPOOL, MAXPOOL -> dataFrames + " frames pooled to " + modelFrames;
            case PATCH -> "patch " + g.patchF() + "×" + g.patchT() + " stride " + g.strideF() + "×" + g.strideT();
            case NONE -> dataFrames + " frames";
        };
        if (!base.resolution().kind().equals("none")) {
            what += ", " + base.resolution().kind() + " δ " + base.resolution().reduction() + " to " + modelFrames;
        }
        return phase.describe() + ": " + what + ", tokens " + g.fDim() + "×" + g.tDim();
    }
}
