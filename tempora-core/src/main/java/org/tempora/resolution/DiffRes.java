package org.tempora.resolution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.eval.Flops;
import org.tempora.nn.Module;
import org.tempora.nn.Parameter;

/**
 * DiffRes (Liu et al., AAAI 2024; reference-spec §1): learnable temporal resolution. A small convolutional
 * estimator scores every input frame; the scores, normalised to sum to {@code t = int(T·(1−δ))}, lay the frames
 * end to end on an output axis of t unit cells; each output frame aggregates the input frames that overlap its
 * cell. Important frames keep (almost) a cell of their own, runs of unimportant ones are merged.
 *
 * <p>Output channels, chosen by {@code resolution.channels} in the given order: {@code avg} = {@code log(Wᵀ exp X)},
 * {@code logavg} = {@code Wᵀ X} over the column sums of W (ours: the weighted mean of the log values, the domain
 * average pooling uses; no reference has it), {@code max} = the max aggregation (pydiffres's exact grouping by
 * default, {@code resolution.maxpool: exact} for {@code max_j W·E}), {@code pos} = {@code Wᵀ P} with the
 * sinusoidal table P (frozen unless {@code learn_pos_emb}). The guide loss is the auxiliary loss; guide loss and
 * activeness are logged as extras.
 *
 * <p>State-dict keys equal pydiffres's ({@code pos_emb}, {@code model.blks.k.cnn1.weight}, …), so its checkpoints
 * load by key (under {@code resolution.} in a {@code TemporaModel}).
 */
public final class DiffRes extends ResolutionStage {
    /** An output channel. */
    public enum Channel {
        AVG, LOGAVG, MAX, POS;

        /** The names {@code resolution.channels} accepts, in the order the error messages list them. */
        public static final String NAMES = "avg, logavg, max, pos";

        public static Channel parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "avg", "avgpool" -> AVG;
                case "logavg" -> LOGAVG;
                case "max", "maxpool" -> MAX;
                case "pos", "resolution_enc" -> POS;
                default -> throw new ConfigException("unknown DiffRes channel '" + s + "' (" + NAMES + ")");
            };
        }
    }

    /** How the max channel groups frames. */
    public enum MaxPoolMode {
        /** pydiffres's odd/even scatter with the 0.01 shift (matches its outputs). */
        REFERENCE,
        /** {@code max_j W[j, i]·E[j, f]}, the intended semantics. */
        EXACT;

        public static MaxPoolMode parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "reference" -> REFERENCE;
                case "exact" -> EXACT;
                default -> throw new ConfigException("unknown resolution.maxpool '" + s + "' (reference, exact)");
            };
        }
    }

    /**
     * Everything one forward pass computed, for tests and for {@link org.tempora.explain.Explainer}.
     *
     * @param logits   {@code [B, 1, T]} estimator output before the sigmoid
     * @param rawScore {@code [B, T]} sigmoid of the logits
     * @param norm     normalised scores {@code [B, T]} and the branches taken
     * @param warp     the warping matrix
     * @param avg      {@code [B, t, F]} average channel (null if not computed)
     * @param logAvg   {@code [B, t, F]} log-domain average channel (null if not computed)
     * @param max      {@code [B, t, F]} max channel (null if not computed)
     * @param maxPool  the reference grouping (null for the exact variant or when not computed)
     * @param pos      {@code [B, t, F]} resolution encoding (null if not computed)
     * @param guide    guide loss and activeness
     * @param features {@code [B, C, t, F]} the configured channels
     */
    public record Trace(NDArray logits, NDArray rawScore, DiffResOps.ScoreNorm norm, DiffResOps.Warp warp, NDArray avg,
                        NDArray logAvg, NDArray max, DiffResOps.MaxPool maxPool, NDArray pos, DiffResOps.Guide guide, NDArray features) {}

    /**
     * State-dict key of the resolution-encoding table ({@code [1, T, F]}, sized by the input frames): a buffer when
     * fixed, a parameter when learned.
     */
    public static final String POS_EMB_KEY = "pos_emb";

    /** {@code pos_emb}: a parameter when learned, else a buffer (in the state dict under the same key, not optimised). */
    private final Parameter learnedPosEmb;
    private final NDArray frozenPosEmb;
    /** {@code model}: the importance estimator. */
    private final DiffResEstimator estimator;
    private final int frames;
    private final int bins;
    private final int out;
    private final double reduction;
    private final List<Channel> channels;
    private final MaxPoolMode maxPool;
    /** Training epochs with batch statistics in the estimator's BatchNorm; -1: all (the reference). */
    private final int estimatorBnEpochs;
    /** Whether a training-mode forward normalises the estimator with batch statistics (set by {@link #startEpoch}). */
    private boolean batchStatistics;

    /**
     * @param frames      input frames T (fixed: the table and the output length depend on it)
     * @param bins        mel bins F
     * @param reduction   δ in [0, 1)
     * @param channels    output channels in order (non-empty, no repeats)
     * @param learnPosEmb learn the resolution-encoding table
     * @param seed        initialisation seed of the estimator
     */
    public DiffRes(NDManager manager, int frames, int bins, double reduction, List<Channel> channels,
                   boolean learnPosEmb, MaxPoolMode maxPool, long seed) {
        this(manager, frames, bins, reduction, channels, learnPosEmb, maxPool, seed, -1);
    }

    /**
     * As above, with {@code resolution.estimator_bn_epochs}: after that many training epochs (from {@link #startEpoch})
     * the estimator's BatchNorm uses its frozen running statistics in training too, as in evaluation; -1 never.
     */
    public DiffRes(NDManager manager, int frames, int bins, double reduction, List<Channel> channels,
                   boolean learnPosEmb, MaxPoolMode maxPool, long seed, int estimatorBnEpochs) {
        if (estimatorBnEpochs < -1) throw new ConfigException("resolution.estimator_bn_epochs must be >= -1, got " + estimatorBnEpochs);
        if (!(reduction >= 0 && reduction < 1)) throw new ConfigException("resolution.reduction must be in [0, 1), got " + reduction);
        if (frames < 1 || bins < 1) throw new ConfigException("DiffRes needs at least one frame and one mel bin");
        if (channels.isEmpty()) throw new ConfigException("resolution.channels must name at least one of " + Channel.NAMES);
        if (EnumSet.copyOf(channels).size() != channels.size()) throw new ConfigException("resolution.channels repeats a channel: " + channels);
        this.frames = frames;
        this.bins = bins;
        this.out = ResolutionStages.outputFrames(frames, reduction);
        if (out < 1) throw new ConfigException("DiffRes with δ = " + reduction + " leaves no frame of " + frames);
        this.reduction = reduction;
        this.channels = List.copyOf(channels);
        this.maxPool = maxPool;
        this.estimatorBnEpochs = estimatorBnEpochs;
        this.batchStatistics = estimatorBnEpochs != 0;   // right before the first startEpoch too
        NDArray table = manager.create(DiffResOps.sinusoidTable(frames, bins), new Shape(1, frames, bins));
        this.learnedPosEmb = learnPosEmb ? param(POS_EMB_KEY, table, false) : null;
        this.frozenPosEmb = learnPosEmb ? null : buffer(POS_EMB_KEY, table);
        this.estimator = child("model", new DiffResEstimator(manager, bins, seed));
    }

    @Override
    public Output forward(NDArray logMel, boolean training) {
        Trace tr = run(logMel, training, EnumSet.copyOf(channels));
        Map<String, NDArray> extras = new LinkedHashMap<>();
        extras.put("guide_loss", tr.guide().loss());
        extras.put("activeness", logMel.getManager().create((float) tr.guide().activeness()));
        // activeness (pydiffres's definition) only sees clips with digital silence; with noise augmentation there are
        // almost none and it reads ~0 whatever the scores do. score_std sees every clip (docs/diffres.md)
        extras.put("score_std", logMel.getManager().create((float) tr.guide().scoreStd()));
        extras.put("empty_clips", logMel.getManager().create((float) tr.guide().emptyClips()));
        return new Output(tr.features(), tr.guide().loss(), extras);
    }

    /**
     * Deviation from the reference (opt-in, {@code resolution.estimator_bn_epochs ≥ 0}): from that epoch on, training
     * normalises the estimator with the running statistics it has gathered so far and stops updating them, so the
     * frame scores in training come from the same function as in evaluation (the reference always uses batch
     * statistics in training; docs/diffres.md, "The estimator's BatchNorm").
     */
    @Override
    public void startEpoch(int epoch) {
        batchStatistics = estimatorBnEpochs < 0 || epoch < estimatorBnEpochs;
    }

    /** Whether a training-mode forward currently uses batch statistics in the estimator. */
    public boolean estimatorBatchStatistics() {
        return batchStatistics;
    }

    /** The forward pass with every intermediate and every channel. */
    public Trace trace(NDArray logMel, boolean training) {
        return run(logMel, training, EnumSet.allOf(Channel.class));
    }

    private Trace run(NDArray logMel, boolean training, Set<Channel> need) {
        Shape s = logMel.getShape();
        if (s.dimension() != 3 || s.get(1) != frames || s.get(2) != bins) {
            throw new InvalidInputException("DiffRes", "expects log-mel [B, " + frames + ", " + bins + "], got " + s);
        }
        int b = Math.toIntExact(s.get(0));
        NDArray logits = estimator.forward(logMel.transpose(0, 2, 1), training && batchStatistics);
        NDArray raw = Activation.sigmoid(logits.reshape(b, frames));
        DiffResOps.ScoreNorm norm = DiffResOps.scoreNorm(raw, out);
        DiffResOps.Warp w = DiffResOps.warp(norm.score(), out);
        NDArray linear = logMel.exp();
        NDArray avg = need.contains(Channel.AVG) ? DiffResOps.averageChannel(w, linear) : null;
        NDArray logAvg = need.contains(Channel.LOGAVG) ? DiffResOps.logAverageChannel(w, logMel) : null;
        NDArray max = null;
        DiffResOps.MaxPool mp = null;
        if (need.contains(Channel.MAX)) {
            if (maxPool == MaxPoolMode.REFERENCE) {
                mp = DiffResOps.referenceMaxPool(w, linear, reduction);
                max = mp.channel();
            } else {
                max = DiffResOps.exactMaxPool(w, linear, reduction);
            }
        }
        NDArray pos = need.contains(Channel.POS) ? DiffResOps.resolutionEncoding(w, posEmb()) : null;
        DiffResOps.Guide guide = DiffResOps.guide(linear, norm.score(), reduction);
        NDList parts = new NDList();
        for (Channel c : channels) {
            parts.add(switch (c) {
                case AVG -> avg;
                case LOGAVG -> logAvg;
                case MAX -> max;
                case POS -> pos;
            });
        }
        NDArray features = NDArrays.stack(parts, 1);
        return new Trace(logits, raw, norm, w, avg, logAvg, max, mp, pos, guide, features);
    }

    public DiffResEstimator estimator() {
        return estimator;
    }

    /** The resolution-encoding table; when learned, the current parameter tensor (it is never replaced). */
    NDArray posEmb() {
        return learnedPosEmb != null ? learnedPosEmb.array() : frozenPosEmb;
    }

    public List<Channel> channels() {
        return channels;
    }

    public double reduction() {
        return reduction;
    }

    public int inputFrames() {
        return frames;
    }

    public int bins() {
        return bins;
    }

    @Override
    public int outputFrames() {
        return out;
    }

    @Override
    public int outputChannels() {
        return channels.size();
    }

    @Override
    public boolean[] logMelChannels() {
        boolean[] r = new boolean[channels.size()];
        for (int i = 0; i < r.length; i++) r[i] = channels.get(i) != Channel.POS;
        return r;
    }

    /**
     * {@link Flops#diffres} with this stage's channel plan (all three aggregations counted, as the reference computes
     * them; {@code logavg} is counted as the {@code avg} it replaces, within {@code t·F + T}, and a stage with both
     * is one {@code W}-product short; docs/diffres.md).
     */
    @Override
    public double flopsPerExample() {
        return Flops.diffres(frames, bins, out, estimator.plan()).total();
    }

    @Override
    public String describe() {
        List<String> names = new ArrayList<>();
        for (Channel c : channels) names.add(c.name().toLowerCase(Locale.ROOT));
        return String.format(Locale.ROOT, "diffres δ=%s (%s%s)", trim(reduction), String.join("+", names),
                maxPool == MaxPoolMode.EXACT ? ", exact max" : "");
    }

    static String trim(double d) {
        String s = String.format(Locale.ROOT, "%.4f", d);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
