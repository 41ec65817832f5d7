package org.tempora.eval;

import org.tempora.ConfigException;

/**
 * Analytic FLOP counts of one forward pass per example: the building blocks (convolution, linear, attention,
 * norms, the Mamba mixer, DiffRes) and the convention. Each model component composes its own count from these
 * ({@code AstConfig.flops()}, {@code AumConfig.flops()}, a resolution stage's {@code flopsPerExample()}); this class
 * knows no model.
 *
 * <h2>Convention</h2>
 * <ul>
 *   <li><b>Matrix products</b> ({@link FlopCount.Kind#MATMUL}): every convolution, linear layer and attention matmul
 *       ({@code QKᵀ} and {@code A·V}) counts <b>2 FLOPs per multiply-accumulate</b>. Biases are not part of them.
 *       {@link FlopCount#macs()} gives the MAC count most papers and tools (fvcore, ptflops, thop) quote.</li>
 *   <li><b>Elementwise</b> ({@link FlopCount.Kind#ELEMENTWISE}), listed apart but included in the total, per element:
 *       add (bias, residual, positional embedding) {@value #ADD}; scale {@value #SCALE}; ReLU {@value #RELU};
 *       LayerNorm with affine {@value #LAYER_NORM} (mean, centre, square, accumulate, normalise, γ, β; per-row
 *       √ and division ignored); RMSNorm {@value #RMS_NORM}; BatchNorm at inference {@value #BATCH_NORM} (folded
 *       scale and shift); softmax {@value #SOFTMAX} (max, subtract, exp, sum, divide); GELU {@value #GELU}
 *       ({@code 0.5·x·(1 + erf(x/√2))}); SiLU and sigmoid {@value #SILU} ({@code x/(1 + e^{−x})}); softplus
 *       {@value #SOFTPLUS} ({@code log(1 + eˣ)}). A transcendental function (exp, log, erf) counts as 1 FLOP.</li>
 *   <li><b>Scan</b> ({@link FlopCount.Kind#SCAN}): the Mamba selective scan, see {@link #mambaMixer}.</li>
 *   <li>Data movement (reshape, transpose, flip, concatenation, token insertion) is free.</li>
 *   <li>A training step costs ≈ {@value #TRAINING_FACTOR} × forward (backward ≈ 2 × forward: gradients with respect
 *       to activations and to weights each cost about one forward); optimiser updates are not counted.</li>
 * </ul>
 * Numbers are per example; multiply by the batch size for a batch. {@code docs/flops.md} has the formulas and a
 * worked table.
 */
public final class Flops {
    private Flops() {}

    public static final int ADD = 1;
    public static final int SCALE = 1;
    public static final int RELU = 1;
    public static final int LAYER_NORM = 7;
    public static final int RMS_NORM = 4;
    public static final int BATCH_NORM = 2;
    public static final int SOFTMAX = 5;
    public static final int GELU = 5;
    public static final int SILU = 3;
    public static final int SIGMOID = 3;
    public static final int SOFTPLUS = 3;
    /** Selective-scan FLOPs per (step, channel, state): {@code exp(Δ·A)} 2, {@code ·h} 1, {@code ·B} 1, {@code +} 1, {@code C·h} accumulate 2. */
    public static final int SCAN_PER_STATE = 7;
    /** Selective-scan FLOPs per (step, channel) outside the state loop: {@code Δ·x}. */
    public static final int SCAN_PER_CHANNEL = 1;
    /** Training step ≈ 3 × forward. */
    public static final int TRAINING_FACTOR = 3;

    // ------------------------------------------------------------------------------------------- primitives

    /** 2-D convolution, no bias: {@code inC · outC · kh · kw · outH · outW} MACs (named {@code conv}). */
    public static FlopCount conv2d(long inC, long outC, long kh, long kw, long outH, long outW) {
        positive(inC, outC, kh, kw, outH, outW);
        return FlopCount.macs("conv", mul(inC, outC, kh, kw, outH, outW));
    }

    /**
     * 1-D convolution, no bias: {@code (inC / groups) · outC · k · outLen} MACs (named {@code conv}); a depthwise
     * convolution has {@code groups = inC = outC}.
     */
    public static FlopCount conv1d(long inC, long outC, long k, long outLen, long groups) {
        positive(inC, outC, k, outLen, groups);
        if (inC % groups != 0 || outC % groups != 0) {
            throw new ConfigException("conv1d channels " + inC + " → " + outC + " are not divisible by " + groups + " groups");
        }
        return FlopCount.macs("conv", mul(inC / groups, outC, k, outLen));
    }

    /** Linear layer over {@code tokens} rows, no bias: {@code tokens · in · out} MACs (named {@code linear}). */
    public static FlopCount linear(long tokens, long in, long out) {
        positive(tokens, in, out);
        return FlopCount.macs("linear", mul(tokens, in, out));
    }

    /**
     * Multi-head self-attention core over N tokens of width D in H heads (projections excluded): {@code qk}
     * ({@code QKᵀ}: N²·D MACs summed over heads), {@code scale} (H·N² scores × 1/√d, as timm applies it),
     * {@code softmax} (H·N² × {@value #SOFTMAX}), {@code av} ({@code A·V}: N²·D MACs). Matmul FLOPs: {@code 2·2·N²·D}.
     */
    public static FlopCount attention(long tokens, long dim, long heads) {
        positive(tokens, dim, heads);
        long scores = mul(heads, tokens, tokens);
        return FlopCount.macs("qk", mul(tokens, tokens, dim))
                .plus(FlopCount.elementwise("scale", scores, SCALE))
                .plus(FlopCount.elementwise("softmax", scores, SOFTMAX))
                .plus(FlopCount.macs("av", mul(tokens, tokens, dim)));
    }

    /** LayerNorm with affine over {@code tokens × dim} elements (named {@code layer_norm}). */
    public static FlopCount layerNorm(long tokens, long dim) {
        return FlopCount.elementwise("layer_norm", mul(tokens, dim), LAYER_NORM);
    }

    /** RMSNorm with weight over {@code tokens × dim} elements (named {@code rms_norm}). */
    public static FlopCount rmsNorm(long tokens, long dim) {
        return FlopCount.elementwise("rms_norm", mul(tokens, dim), RMS_NORM);
    }

    /** Elementwise additions (bias, residual, positional embedding) of {@code elements} values (named {@code add}). */
    public static FlopCount add(long elements) {
        return FlopCount.elementwise("add", elements, ADD);
    }

    /** GELU over {@code elements} values (named {@code gelu}). */
    public static FlopCount gelu(long elements) {
        return FlopCount.elementwise("gelu", elements, GELU);
    }

    /** SiLU over {@code elements} values (named {@code silu}). */
    public static FlopCount silu(long elements) {
        return FlopCount.elementwise("silu", elements, SILU);
    }

    /** Training-step estimate: {@value #TRAINING_FACTOR} × the forward count. */
    public static FlopCount trainingStep(FlopCount forward) {
        return forward.times(TRAINING_FACTOR);
    }

    // ------------------------------------------------------------------------------------------- Mamba

    /** Bidirectional variants of the AuM mixer (reference-spec §5.2–5.3). */
    public enum Bidirectional {
        /** "Fo-Fo": one forward direction. */
        NONE,
        /** "Fo-Bi": projections, conv, x/dt projections shared; a second scan (own A) on the flipped sequence; outputs summed. */
        V1,
        /** "Bi-Bi": in/out projections shared; the backward branch has its own conv, x/dt projections, A and D; outputs averaged. */
        V2
    }

    /** {@link #mambaMixer(long, long, long, long, long, long, Bidirectional)} with AuM's constants: state 16, conv 4, expand 2, dt rank ⌈D/16⌉. */
    public static FlopCount mambaMixer(long tokens, long dModel, Bidirectional variant) {
        return mambaMixer(tokens, dModel, 16, 4, 2, (dModel + 15) / 16, variant);
    }

    /**
     * One Mamba mixer over L tokens (reference-spec §5.3), E = expand·D inner channels, n states, R = dt rank, K conv
     * taps. One direction:
     * <ul>
     *   <li>{@code in_proj}: L·D·2E MACs;</li>
     *   <li>{@code conv}: depthwise causal conv, L·E·K MACs, + bias (L·E adds), {@code conv.silu} (L·E SiLU);</li>
     *   <li>{@code x_proj}: L·E·(R + 2n) MACs; {@code dt_proj}: L·R·E MACs + bias, {@code dt.softplus} (L·E);</li>
     *   <li>{@code A}: {@code −exp(A_log)}, 2·E·n;</li>
     *   <li>{@code scan}: L·E·n·{@value #SCAN_PER_STATE} + L·E·{@value #SCAN_PER_CHANNEL} (per step and channel
     *       {@code Δ·x}; per state {@code exp(Δ·A)} 2, {@code ·h} 1, {@code ·B} 1, {@code +} 1, {@code C·h}
     *       accumulate 2);</li>
     *   <li>{@code D_skip}: {@code y += D·x}, 2·L·E; {@code gate}: {@code y ⊙ SiLU(z)}, L·E·(SiLU + 1);</li>
     *   <li>{@code out_proj}: L·E·D MACs.</li>
     * </ul>
     * V1 adds a second {@code A}, scan, D skip and gate and sums the two outputs ({@code combine}: L·E); V2 repeats
     * everything between the projections for the backward branch and averages ({@code combine}: 2·L·E). Flips are
     * free.
     */
    public static FlopCount mambaMixer(long tokens, long dModel, long dState, long dConv, long expand, long dtRank,
                                       Bidirectional variant) {
        positive(tokens, dModel, dState, dConv, expand, dtRank);
        long l = tokens;
        long e = mul(expand, dModel);
        long le = mul(l, e);
        FlopCount frontEnd = conv1d(e, e, dConv, l, e).as("conv")
                .plus(add(le).as("conv.bias"))
                .plus(silu(le).as("conv.silu"))
                .plus(linear(l, e, dtRank + 2 * dState).as("x_proj"))
                .plus(linear(l, dtRank, e).as("dt_proj"))
                .plus(add(le).as("dt_proj.bias"))
                .plus(FlopCount.elementwise("dt.softplus", le, SOFTPLUS));
        FlopCount scan = FlopCount.elementwise("A", mul(e, dState), 2)
                .plus(FlopCount.of("scan", FlopCount.Kind.SCAN,
                        Math.addExact(mul(le, dState, SCAN_PER_STATE), mul(le, SCAN_PER_CHANNEL))))
                .plus(FlopCount.elementwise("D_skip", le, 2))
                .plus(FlopCount.elementwise("gate", le, SILU + 1));
        FlopCount core = switch (variant) {
            case NONE -> frontEnd.plus(scan);
            case V1 -> frontEnd.plus(scan.times(2)).plus(add(le).as("combine"));
            case V2 -> frontEnd.plus(scan).times(2).plus(FlopCount.elementwise("combine", le, ADD + SCALE));
        };
        return linear(l, dModel, 2 * e).as("in_proj").plus(core).plus(linear(l, e, dModel).as("out_proj"));
    }

    // ------------------------------------------------------------------------------------------- DiffRes

    /**
     * DiffRes estimator channel plan for F mel bins (reference-spec §1.2): F = 128 → {@code 128, 64, 32, 16, 8, 1};
     * F ∈ {40, 64} → {@code F, F, F/2, F/4, F/4, 1}. Other F have no reference plan ({@link ConfigException}).
     */
    public static int[] diffresChannelPlan(int freqBins) {
        return switch (freqBins) {
            case 128 -> new int[] {128, 64, 32, 16, 8, 1};
            case 40, 64 -> new int[] {freqBins, freqBins, freqBins / 2, freqBins / 4, freqBins / 4, 1};
            default -> throw new ConfigException("DiffRes has no estimator plan for " + freqBins
                    + " mel bins (reference: 40, 64, 128)");
        };
    }

    /**
     * The DiffRes frame-importance estimator over T frames (reference-spec §1.2): for each block
     * {@code c_in → c_out} of {@code channelPlan} (first entry = F), {@code conv1} ({@code c_in·c_out·5·T} MACs)
     * and {@code conv2} ({@code c_out²·5·T} MACs), each + bias, ReLU and BatchNorm (inference) over
     * {@code c_out·T}; the block residual ({@code c_out·T} adds); then a sigmoid over T scores. Same-length
     * convolutions (k = 5, dilation 1, padding 2).
     */
    public static FlopCount diffresEstimator(int frames, int freqBins, int[] channelPlan) {
        positive(frames, freqBins);
        if (channelPlan == null || channelPlan.length < 2 || channelPlan[0] != freqBins) {
            throw new ConfigException("DiffRes channel plan must start with the " + freqBins + " mel bins and have a block");
        }
        final int k = 5;
        FlopCount f = FlopCount.zero();
        for (int b = 0; b + 1 < channelPlan.length; b++) {
            long cin = channelPlan[b];
            long cout = channelPlan[b + 1];
            positive(cin, cout);
            long out = mul(cout, frames);
            f = f.plus(conv1d(cin, cout, k, frames, 1).as("conv"))
                    .plus(conv1d(cout, cout, k, frames, 1).as("conv"))
                    .plus(add(2 * out).as("conv.bias"))
                    .plus(FlopCount.elementwise("relu", 2 * out, RELU))
                    .plus(FlopCount.elementwise("batch_norm", 2 * out, BATCH_NORM))
                    .plus(add(out).as("residual"));
        }
        return f.plus(FlopCount.elementwise("sigmoid", frames, SIGMOID));
    }

    /**
     * DiffRes resolution step from T to t frames over F bins (reference-spec §1.3–1.5), with the warping matrix W
     * counted sparsely: W has at most {@code nnz = T + t − 1} non-zeros (each input frame's segment overlaps at most
     * two output cells, and only where it crosses one of the t − 1 inner boundaries). Contributions:
     * {@code score_norm} (7·T: sum, scale, max, divide, headroom update), {@code warp_matrix} (cumulative sum T +
     * 4 per non-zero), {@code exp} (T·F), {@code avgpool} ({@code WᵀE}: nnz·F MACs) + {@code avgpool.log}
     * (2·t·F), {@code maxpool} (2·nnz·F: product and running max) + {@code maxpool.log} (3·t·F),
     * {@code res_enc} ({@code WᵀP}: nnz·F MACs). The guide loss (training only, O(T·F)) is not counted.
     */
    public static FlopCount diffresWarp(int frames, int freqBins, int outFrames) {
        positive(frames, freqBins, outFrames);
        if (outFrames > frames) throw new ConfigException("DiffRes output " + outFrames + " > input " + frames + " frames");
        long nnz = (long) frames + outFrames - 1;
        long tf = mul(outFrames, freqBins);
        return FlopCount.elementwise("score_norm", frames, 7)
                .plus(FlopCount.elementwise("warp_matrix", frames + 4 * nnz, 1))
                .plus(FlopCount.elementwise("exp", mul(frames, freqBins), 1))
                .plus(FlopCount.macs("avgpool", mul(nnz, freqBins)))
                .plus(FlopCount.elementwise("avgpool.log", tf, 2))
                .plus(FlopCount.elementwise("maxpool", mul(nnz, freqBins), 2))
                .plus(FlopCount.elementwise("maxpool.log", tf, 3))
                .plus(FlopCount.macs("res_enc", mul(nnz, freqBins)));
    }

    /** The whole DiffRes front-end: {@code estimator.*} ({@link #diffresEstimator}) + {@code warp.*} ({@link #diffresWarp}). */
    public static FlopCount diffres(int frames, int freqBins, int outFrames, int[] channelPlan) {
        return diffresEstimator(frames, freqBins, channelPlan).as("estimator")
                .plus(diffresWarp(frames, freqBins, outFrames).as("warp"));
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** The exact product (overflow throws). */
    public static long mul(long... xs) {
        long p = 1;
        for (long x : xs) p = Math.multiplyExact(p, x);
        return p;
    }

    private static void positive(long... xs) {
        for (long x : xs) {
            if (x < 1) throw new ConfigException("FLOP count arguments must be >= 1, got " + x);
        }
    }
}
