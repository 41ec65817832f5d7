package org.tempora.config;

import java.util.List;

/**
 * One experiment, one config: a section per pipeline stage (data → features → resolution → tokens → backbone →
 * head) plus augmentation, training and evaluation. Immutable records bound from YAML/JSON with snake_case keys
 * ({@code train.batch_size}); the {@code resolution} and {@code backbone} sections are polymorphic by {@code kind}
 * ({@link ResolutionSpec}, {@link BackboneSpec}). {@link ConfigLoader} merges the defaults ({@link #defaults()}), a
 * preset, a config file and {@code --set key=value} overrides, binds, and validates completely. A changed copy
 * comes from the {@code with…} methods. Every default is what a user of AST would expect.
 *
 * @param name  run name (the run folder's default name)
 * @param seed  seed of everything random: initialisation, batch order, augmentation
 */
public record ExperimentConfig(String name, long seed, Data data, Features features, ResolutionSpec resolution,
                               Tokens tokens, BackboneSpec backbone, Augment augment, Train train, Eval eval) {

    /** Every key at its default: AST tiny on the built-in synthetic set, no resolution stage. */
    public static ExperimentConfig defaults() {
        return new ExperimentConfig("experiment", 0, Data.DEFAULTS, Features.DEFAULTS, ResolutionSpec.None.DEFAULTS,
                Tokens.DEFAULTS, BackboneSpec.Ast.DEFAULTS, Augment.DEFAULTS, Train.DEFAULTS, Eval.DEFAULTS);
    }

    public ExperimentConfig withData(Data d) {
        return new ExperimentConfig(name, seed, d, features, resolution, tokens, backbone, augment, train, eval);
    }

    public ExperimentConfig withFeatures(Features f) {
        return new ExperimentConfig(name, seed, data, f, resolution, tokens, backbone, augment, train, eval);
    }

    public ExperimentConfig withResolution(ResolutionSpec r) {
        return new ExperimentConfig(name, seed, data, features, r, tokens, backbone, augment, train, eval);
    }

    public ExperimentConfig withBackbone(BackboneSpec b) {
        return new ExperimentConfig(name, seed, data, features, resolution, tokens, b, augment, train, eval);
    }

    public ExperimentConfig withTokens(Tokens t) {
        return new ExperimentConfig(name, seed, data, features, resolution, t, backbone, augment, train, eval);
    }

    public ExperimentConfig withAugment(Augment a) {
        return new ExperimentConfig(name, seed, data, features, resolution, tokens, backbone, a, train, eval);
    }

    public ExperimentConfig withTrain(Train t) {
        return new ExperimentConfig(name, seed, data, features, resolution, tokens, backbone, augment, t, eval);
    }

    public ExperimentConfig withEval(Eval e) {
        return new ExperimentConfig(name, seed, data, features, resolution, tokens, backbone, augment, train, e);
    }

    /**
     * Where the clips come from and how the folder is read.
     *
     * @param path                   dataset folder, or {@code synthetic} for the built-in generated set
     * @param layout                 auto, speechcommands, esc50, audioset, folders, synthetic
     * @param speechcommandsClasses  Speech Commands: 35 words, or 12 classes (10 words + _unknown_ + _silence_)
     * @param fold                   ESC-50: the fold used as test set (1–5); the next fold is validation
     * @param audiosetTrain          AudioSet JSON layout: file names relative to the dataset folder
     * @param skipBad                skip unreadable or unlabelled entries (listed) instead of failing
     * @param trainFraction          use at most this fraction of the training split (1 = all), drawn deterministically
     */
    public record Data(String path, String layout, int speechcommandsClasses, int fold, String audiosetTrain,
                       String audiosetValid, String audiosetTest, boolean skipBad, double trainFraction, Synthetic synthetic) {
        public static final Data DEFAULTS = new Data("synthetic", "auto", 35, 1, "train.json", null, "eval.json", false, 1.0,
                Synthetic.DEFAULTS);

        public Data withPath(String p) {
            return new Data(p, layout, speechcommandsClasses, fold, audiosetTrain, audiosetValid, audiosetTest, skipBad, trainFraction, synthetic);
        }

        public Data withFold(int f) {
            return new Data(path, layout, speechcommandsClasses, f, audiosetTrain, audiosetValid, audiosetTest, skipBad, trainFraction, synthetic);
        }

        public Data withSkipBad(boolean s) {
            return new Data(path, layout, speechcommandsClasses, fold, audiosetTrain, audiosetValid, audiosetTest, s, trainFraction, synthetic);
        }
    }

    /** Built-in synthetic set (temporal-structure classes). */
    public record Synthetic(int clipsPerClass, double seconds, int classes) {
        public static final Synthetic DEFAULTS = new Synthetic(80, 1.0, 10);
        /** The fewest clips per class the synthetic set accepts (ConfigValidator and SyntheticDataset check it). */
        public static final int MIN_CLIPS_PER_CLASS = 5;
    }

    /**
     * The fbank front-end (Kaldi-compatible, AST's options by default). Every option of {@code tempora fbank} has a
     * key here; the model bundle records the resolved front-end ({@code FrontEnd.describe()}).
     *
     * @param lowFreq        lowest mel filter edge, Hz
     * @param highFreq       highest mel filter edge, Hz; 0 or less means Nyquist + high_freq
     * @param dither         Gaussian dither amplitude (0 = off, as AST); {@code ditherSeed} seeds its generator
     * @param removeDcOffset subtract each frame's mean before pre-emphasis (Kaldi's remove_dc_offset)
     * @param snipEdges      only frames that fit wholly in the signal (Kaldi's snip_edges)
     * @param usePower       power spectrum (true) or magnitude (false)
     * @param channel        which channel of multi-channel audio: an index, or "mix" to average them (AST: 0)
     * @param targetFrames   pad/truncate to this many frames (AST: 128 for 1 s clips, 512 ESC-50, 1024 AudioSet)
     * @param normMean       dataset statistics for (x − mean)/(2·std); null = computed on the training split and recorded
     */
    public record Features(int sampleRate, int melBins, double frameShiftMs, double frameLengthMs, String window,
                           double lowFreq, double highFreq, double preemphasis, double dither, long ditherSeed,
                           boolean removeDcOffset, boolean snipEdges, boolean usePower, String channel, int targetFrames,
                           Double normMean, Double normStd) {
        public static final Features DEFAULTS = new Features(16000, 128, 10, 25, "hanning", 20, 0, 0.97, 0, 0,
                true, true, true, "0", 128, null, null);

        /** The same front-end with another hop and frame count (fshift, coarse-to-fine phases). */
        public Features withFraming(double shiftMs, int frames) {
            return new Features(sampleRate, melBins, shiftMs, frameLengthMs, window, lowFreq, highFreq, preemphasis, dither,
                    ditherSeed, removeDcOffset, snipEdges, usePower, channel, frames, normMean, normStd);
        }

        /** The same front-end with pinned normalisation statistics. */
        public Features withNorm(Double mean, Double std) {
            return new Features(sampleRate, melBins, frameShiftMs, frameLengthMs, window, lowFreq, highFreq, preemphasis, dither,
                    ditherSeed, removeDcOffset, snipEdges, usePower, channel, targetFrames, mean, std);
        }
    }

    /**
     * How the (resolved) spectrogram becomes tokens.
     *
     * @param kind       square (AST patches, any size/stride), rect, or fftp (full-frequency temporal patches)
     * @param patch      patch size (frequency, time)
     * @param stride     patch stride (frequency, time); AST uses 10/10
     * @param fftpWidth  FFTP patch width w (kernel F × w)
     * @param fftpStride FFTP time stride s
     */
    public record Tokens(Choices.Tokens kind, List<Integer> patch, List<Integer> stride, int fftpWidth, int fftpStride) {
        public static final Tokens DEFAULTS = new Tokens(Choices.Tokens.SQUARE, List.of(16, 16), List.of(10, 10), 8, 8);

        public Tokens {
            patch = copy(patch);
            stride = copy(stride);
        }

        public Tokens withPatch(List<Integer> p, List<Integer> s) {
            return new Tokens(kind, p, s, fftpWidth, fftpStride);
        }

        public Tokens withFftp(int width, int fftpStride) {
            return new Tokens(kind, patch, stride, width, fftpStride);
        }
    }

    /**
     * Training-time augmentation.
     *
     * @param freqm         SpecAugment (torchaudio semantics): max frequency-mask width; 0 = off
     * @param timem         SpecAugment max time-mask width; 0 = off
     * @param specmaskRatio SpecMask instead of SpecAugment: masked fraction of the area (0 = off)
     * @param specmaskLambda SpecMask's full-frequency share λ
     * @param mixup         probability of mixup (AST: waveform mixing, λ ~ Beta(10, 10))
     * @param noise         Speech Commands noise augmentation after normalisation (AST's `noise`)
     * @param vtlp          vocal-tract-length warp of the mel axis, factor uniform in [1−vtlp, 1+vtlp]; 0 = off
     *                      ({@link org.tempora.augment.VoiceWarp}; ours, not in the papers' recipes)
     * @param timeStretch   tempo change of the frame axis, factor uniform in [1−s, 1+s]; 0 = off (ours, as vtlp)
     */
    public record Augment(int freqm, int timem, double specmaskRatio, double specmaskLambda, int specmaskFreqHeight,
                          double mixup, boolean noise, double vtlp, double timeStretch) {
        public static final Augment DEFAULTS = new Augment(0, 0, 0.0, 0.6, 16, 0.0, false, 0.0, 0.0);

        public Augment withTimem(int t) {
            return new Augment(freqm, t, specmaskRatio, specmaskLambda, specmaskFreqHeight, mixup, noise, vtlp, timeStretch);
        }
    }

    /**
     * The optimisation loop.
     *
     * @param optimizer       adam (L2 weight decay, as AST) or adamw (decoupled)
     * @param loss            ce, bce, or auto (bce for multi-label, ce otherwise)
     * @param labelSmoothing  ce only: the targets become {@code (1 − ε)·y + ε/C}, as {@code torch.nn.CrossEntropyLoss(
     *                        label_smoothing=ε)}, mixup targets included; 0 = off
     * @param gradClip        clip the global gradient norm to this value; 0 = off
     * @param weightAverage   average the weights of epochs [start, end] (1-based, inclusive) at the end; null = off
     * @param balancedSampler AudioSet balanced sampler (weights 1000/(count+0.01) summed over labels)
     * @param dataThreads     threads for data preparation (features are computed once and cached)
     * @param threads         intra-op threads of the engine; 0 = all cores
     * @param phases          coarse-to-fine phases (empty = one phase at full resolution), coarsest first; the last one
     *                        has factor 1. See {@code org.tempora.train.phases.PhaseSchedule} and docs/coarse-to-fine.md
     * @param phaseSwitch     how an initial (coarse) phase ends: {@code fixed} after its planned epochs, or
     *                        {@code plateau} as soon as the validation metric has not improved by at least
     *                        {@code phase_min_delta} for {@code phase_patience} epochs (never later than planned).
     *                        Plateau switching is our addition; the paper uses fixed lengths
     * @param stopRule        when the final phase stops: {@code budget} (after its planned epochs), {@code surpass}
     *                        (at the first epoch whose validation metric exceeds {@code baseline_metric}: the paper's
     *                        accuracy/computation trade-off rule) or {@code plateau} (the convergence rule: once the
     *                        validation metric has not improved on its best by at least {@code stop_min_delta} for
     *                        {@code stop_patience} epochs, never beyond {@code epochs}; docs/training.md)
     * @param stopPatience    stop_rule plateau: epochs without improvement before stopping
     * @param stopMinDelta    stop_rule plateau: smallest increase of the validation metric that counts as improvement
     * @param stopMinEpochs   stop_rule plateau: the rule is not checked before the final phase has run this many epochs
     *                        (0 = from the first); epochs before it still count towards the patience
     * @param baselineMetric  the baseline run's best validation metric (stop_rule surpass, savings reports); null = unknown
     * @param init            a checkpoint whose weights start the training (a PyTorch AST checkpoint, a tempora run folder
     *                        or .npz; docs/interop.md); null = the architecture's random initialisation
     */
    public record Train(int epochs, int batchSize, Choices.Optimizer optimizer, double lr, double weightDecay,
                        List<Double> betas, double eps, Schedule schedule, Choices.Loss loss, double labelSmoothing, double gradClip,
                        List<Integer> weightAverage, boolean balancedSampler, int dataThreads, int threads,
                        List<Phase> phases, Choices.PhaseSwitch phaseSwitch, int phasePatience, double phaseMinDelta,
                        Choices.StopRule stopRule, int stopPatience, double stopMinDelta, int stopMinEpochs, Double baselineMetric,
                        String init) {
        public static final Train DEFAULTS = new Train(10, 32, Choices.Optimizer.ADAM, 2.5e-4, 5e-7, List.of(0.95, 0.999),
                1e-8, Schedule.DEFAULTS, Choices.Loss.AUTO, 0.0, 0.0, null, false, 0, 0, List.of(), Choices.PhaseSwitch.FIXED,
                2, 0.0, Choices.StopRule.BUDGET, 5, 0.002, 0, null, null);

        public Train {
            betas = copy(betas);
            weightAverage = copy(weightAverage);
            phases = phases == null ? List.of() : copy(phases);
        }

        public Train withEpochs(int e) {
            return new Train(e, batchSize, optimizer, lr, weightDecay, betas, eps, schedule, loss, labelSmoothing, gradClip, weightAverage,
                    balancedSampler, dataThreads, threads, phases, phaseSwitch, phasePatience, phaseMinDelta, stopRule, stopPatience, stopMinDelta, stopMinEpochs, baselineMetric, init);
        }

        public Train withStopRule(Choices.StopRule r) {
            return new Train(epochs, batchSize, optimizer, lr, weightDecay, betas, eps, schedule, loss, labelSmoothing, gradClip, weightAverage,
                    balancedSampler, dataThreads, threads, phases, phaseSwitch, phasePatience, phaseMinDelta, r, stopPatience, stopMinDelta, stopMinEpochs, baselineMetric, init);
        }

        public Train withSchedule(Schedule s) {
            return new Train(epochs, batchSize, optimizer, lr, weightDecay, betas, eps, s, loss, labelSmoothing, gradClip, weightAverage,
                    balancedSampler, dataThreads, threads, phases, phaseSwitch, phasePatience, phaseMinDelta, stopRule, stopPatience, stopMinDelta, stopMinEpochs, baselineMetric, init);
        }

        public Train withPhases(List<Phase> p) {
            return new Train(epochs, batchSize, optimizer, lr, weightDecay, betas, eps, schedule, loss, labelSmoothing, gradClip, weightAverage,
                    balancedSampler, dataThreads, threads, p, phaseSwitch, phasePatience, phaseMinDelta, stopRule, stopPatience, stopMinDelta, stopMinEpochs, baselineMetric, init);
        }
    }

    /**
     * Learning-rate schedule.
     *
     * @param kind          multistep (AST: lr·γ^k after epoch start, every step epochs), cosine, constant
     * @param warmupSteps   linear warm-up over this many optimiser steps (AST: 1000 on AudioSet; 0 = off)
     * @param minLrFraction cosine: final lr as a fraction of the initial
     * @param acrossPhases  coarse-to-fine runs: one schedule over all phases instead of a fresh one per phase. The lr
     *                      continues where the previous phase left it (warm-up only at the start of the run) and the
     *                      optimiser's moments and step count are carried for every tensor the transition did not
     *                      resize. false = the paper's reset (docs/coarse-to-fine.md)
     */
    public record Schedule(Choices.Schedule kind, int warmupSteps, int start, int step, double gamma, double minLrFraction,
                           boolean acrossPhases) {
        public static final Schedule DEFAULTS = new Schedule(Choices.Schedule.MULTISTEP, 0, 5, 1, 0.85, 0.01, false);

        public Schedule withAcrossPhases(boolean a) {
            return new Schedule(kind, warmupSteps, start, step, gamma, minLrFraction, a);
        }
    }

    /**
     * One coarse-to-fine phase.
     *
     * @param method   fshift, avgpool, maxpool, patch (none for the final full-resolution phase)
     * @param factor   compression factor C along time (1 = full resolution)
     * @param epochs   length in epochs, or (if fraction &gt; 0) as a fraction of train.epochs rounded half up, at
     *                 least 1. Give one of them for every initial phase; a final phase with neither takes the rest
     * @param resize   patch method: how the patch-embedding kernel moves to the next phase's patch, "pi" or "bilinear"
     */
    public record Phase(String method, int factor, int epochs, double fraction, String resize) {
        public static final Phase DEFAULTS = new Phase("none", 1, 0, 0.0, "pi");
    }

    /**
     * Evaluation.
     *
     * @param select        final weights: best (validation metric) or last (epoch). ESC-50 runs use last, as AST
     * @param testEachEpoch also score the test split after every epoch (recorded as {@code test_<metric>}), so the
     *                      paper's "first epoch that surpasses the baseline" rule can report test accuracy then
     * @param windowSeconds window (s) for classifying files longer than the model's input; {@code hopSeconds} its hop
     * @param explainClips  DiffRes runs: explain this many fixed test clips (the first of each class) after the first
     *                      and the last epoch ({@code RUN/explain/epoch-NNN.json}; the report draws them); 0 = off
     */
    public record Eval(int batchSize, Choices.Select select, boolean testEachEpoch, double windowSeconds, double hopSeconds,
                       int explainClips) {
        public static final Eval DEFAULTS = new Eval(64, Choices.Select.BEST, false, 0, 0, 0);

        public Eval withTestEachEpoch(boolean t) {
            return new Eval(batchSize, select, t, windowSeconds, hopSeconds, explainClips);
        }
    }

    /** An unmodifiable copy that keeps null (absent) as null; null elements are left to the validator. */
    private static <T> List<T> copy(List<T> l) {
        return l == null ? null : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(l));
    }
}
