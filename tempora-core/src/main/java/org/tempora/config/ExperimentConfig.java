package org.tempora.config;

import java.util.ArrayList;
import java.util.List;

/**
 * One experiment, one config: a section per pipeline stage (data → features → resolution → tokens → backbone →
 * head) plus augmentation, training and evaluation. Bound from YAML/JSON with snake_case keys
 * ({@code train.batch_size}); presets in {@code src/main/resources/presets} and {@code --set key=value}
 * overrides are merged by {@link ConfigLoader}. Every field has the default a user of AST would expect.
 */
public final class ExperimentConfig {
    /** Run name (the run folder's default name). */
    public String name = "experiment";
    /** Seed of everything random: initialisation, batch order, augmentation. */
    public long seed = 0;
    public Data data = new Data();
    public Features features = new Features();
    public Resolution resolution = new Resolution();
    public Tokens tokens = new Tokens();
    public Backbone backbone = new Backbone();
    public Augment augment = new Augment();
    public Train train = new Train();
    public Eval eval = new Eval();

    /** Where the clips come from and how the folder is read. */
    public static final class Data {
        /** Dataset folder, or {@code synthetic} for the built-in generated set. */
        public String path = "synthetic";
        /** auto, speechcommands, esc50, audioset, folders, synthetic. */
        public String layout = "auto";
        /** Speech Commands: 35 words, or 12 classes (10 words + _unknown_ + _silence_). */
        public int speechcommandsClasses = 35;
        /** ESC-50: the fold used as test set (1–5); the next fold is validation. */
        public int fold = 1;
        /** AudioSet JSON layout: file names relative to the dataset folder. */
        public String audiosetTrain = "train.json";
        public String audiosetValid = null;
        public String audiosetTest = "eval.json";
        /** Skip unreadable or unlabelled entries (listed) instead of failing. */
        public boolean skipBad = false;
        /** Use at most this fraction of the training split (1 = all), drawn deterministically. */
        public double trainFraction = 1.0;
        public Synthetic synthetic = new Synthetic();
    }

    /** Built-in synthetic set (temporal-structure classes). */
    public static final class Synthetic {
        public int clipsPerClass = 80;
        public double seconds = 1.0;
        public int classes = 10;
    }

    /**
     * The fbank front-end (Kaldi-compatible, AST's options by default). Every option of {@code tempora fbank} has a
     * key here; the model bundle records the resolved front-end ({@code FrontEnd.describe()}).
     */
    public static final class Features {
        public int sampleRate = 16000;
        public int melBins = 128;
        public double frameShiftMs = 10;
        public double frameLengthMs = 25;
        public String window = "hanning";
        /** Lowest mel filter edge, Hz. */
        public double lowFreq = 20;
        /** Highest mel filter edge, Hz; 0 or less means Nyquist + high_freq. */
        public double highFreq = 0;
        public double preemphasis = 0.97;
        /** Gaussian dither amplitude (0 = off, as AST) and the seed of its generator. */
        public double dither = 0;
        public long ditherSeed = 0;
        /** Subtract each frame's mean before pre-emphasis (Kaldi's remove_dc_offset). */
        public boolean removeDcOffset = true;
        /** Only frames that fit wholly in the signal (Kaldi's snip_edges). */
        public boolean snipEdges = true;
        /** Power spectrum (true) or magnitude (false). */
        public boolean usePower = true;
        /** Which channel of multi-channel audio: an index, or "mix" to average them (AST: 0). */
        public String channel = "0";
        /** Pad/truncate to this many frames (AST: 128 for 1 s clips, 512 ESC-50, 1024 AudioSet). */
        public int targetFrames = 128;
        /** Dataset statistics for (x − mean)/(2·std); null = computed on the training split and recorded. */
        public Double normMean = null;
        public Double normStd = null;
    }

    /** Temporal resolution stage between features and tokens (DiffRes and the fixed baselines). */
    public static final class Resolution {
        /** none, diffres, avgpool, maxpool, avgmax, uniform, spectral, fshift. */
        public String kind = "none";
        /** Dimension-reduction rate δ: the stage outputs t = int(T·(1−δ)) frames. */
        public double reduction = 0.0;
        /** DiffRes output channels, any of avg, max, pos (order kept). */
        public List<String> channels = new ArrayList<>(List.of("avg", "max", "pos"));
        /** DiffRes: learn the resolution-encoding table instead of keeping it fixed. */
        public boolean learnPosEmb = false;
        /** DiffRes max channel: "reference" (pydiffres grouping, the default) or "exact" (max_j W·E). */
        public String maxpool = "reference";
    }

    /** How the (resolved) spectrogram becomes tokens. */
    public static final class Tokens {
        /** square (AST patches, any size/stride), fftp (full-frequency temporal patches). */
        public Choices.Tokens kind = Choices.Tokens.SQUARE;
        /** Patch size (frequency, time). */
        public List<Integer> patch = new ArrayList<>(List.of(16, 16));
        /** Patch stride (frequency, time); AST uses 10/10. */
        public List<Integer> stride = new ArrayList<>(List.of(10, 10));
        /** FFTP patch width w and time stride s (kernel F × w). */
        public int fftpWidth = 8;
        public int fftpStride = 8;
    }

    /** Backbone and head. */
    public static final class Backbone {
        /** ast, aum. */
        public String kind = "ast";
        /** tiny, small, base (depth 12) or mini (tiny width, 4 blocks), micro (64 wide, 2 blocks). */
        public String size = "tiny";
        /** Overrides of the preset's sizes (null = preset). */
        public Integer dim = null;
        public Integer depth = null;
        public Integer heads = null;
        /**
         * AST block initialisation: timm (AST's own, trunc_normal 0.02) or xavier (ViT/JAX; trains narrow models from
         * scratch without a plateau — the CPU presets use it). See {@link org.tempora.nn.InitScheme}.
         */
        public String init = "timm";
        /** AuM: none (Fo-Fo), v1 (Fo-Bi), v2 (Bi-Bi). */
        public String bimamba = "v2";
        /**
         * AuM scan: auto (sequential below 128 steps, parallel from there: the measured crossover, see docs/aum.md),
         * sequential (per-step recurrence), parallel (recursive pairing, O(log L) batched levels) or chunked (the
         * SSD-style closed form per chunk of {@code scan_chunk} steps).
         */
        public String scan = "auto";
        public int scanChunk = 32;
    }

    /** Training-time augmentation. */
    public static final class Augment {
        /** SpecAugment (torchaudio semantics): max frequency-mask and time-mask widths; 0 = off. */
        public int freqm = 0;
        public int timem = 0;
        /** SpecMask instead of SpecAugment: masked fraction of the area (0 = off) and full-frequency share λ. */
        public double specmaskRatio = 0.0;
        public double specmaskLambda = 0.6;
        public int specmaskFreqHeight = 16;
        /** Probability of mixup (AST: waveform mixing, λ ~ Beta(10, 10)). */
        public double mixup = 0.0;
        /** Speech Commands noise augmentation after normalisation (AST's `noise`). */
        public boolean noise = false;
    }

    /** The optimisation loop. */
    public static final class Train {
        public int epochs = 10;
        public int batchSize = 32;
        /** adam (L2 weight decay, as AST) or adamw (decoupled). */
        public Choices.Optimizer optimizer = Choices.Optimizer.ADAM;
        public double lr = 2.5e-4;
        public double weightDecay = 5e-7;
        public List<Double> betas = new ArrayList<>(List.of(0.95, 0.999));
        public double eps = 1e-8;
        public Schedule schedule = new Schedule();
        /** ce, bce, or auto (bce for multi-label, ce otherwise). */
        public Choices.Loss loss = Choices.Loss.AUTO;
        /** Clip the global gradient norm to this value; 0 = off. */
        public double gradClip = 0.0;
        /** Average the weights of epochs [start, end] (1-based, inclusive) at the end; null = off. */
        public List<Integer> weightAverage = null;
        /** AudioSet balanced sampler (weights 1000/(count+0.01) summed over labels). */
        public boolean balancedSampler = false;
        /** Threads for data preparation (features are computed once and cached). */
        public int dataThreads = 0;
        /** Intra-op threads of the engine; 0 = all cores. */
        public int threads = 0;
        /**
         * Coarse-to-fine phases (empty = one phase at full resolution), coarsest first; the last one has factor 1.
         * See {@code org.tempora.train.phases.PhaseSchedule} and docs/coarse-to-fine.md.
         */
        public List<Phase> phases = new ArrayList<>();
        /**
         * How an initial (coarse) phase ends: {@code fixed} after its planned epochs, or {@code plateau} as soon as the
         * validation metric has not improved by at least {@code phase_min_delta} for {@code phase_patience} epochs
         * (never later than its planned epochs). Plateau switching is our addition; the paper uses fixed lengths.
         */
        public Choices.PhaseSwitch phaseSwitch = Choices.PhaseSwitch.FIXED;
        /** plateau switch: epochs without improvement before moving to the next phase. */
        public int phasePatience = 2;
        /** plateau switch: smallest increase of the validation metric that counts as an improvement. */
        public double phaseMinDelta = 0.0;
        /**
         * When the final phase stops: {@code budget} (after its planned epochs) or {@code surpass} (at the first epoch
         * whose validation metric exceeds {@code baseline_metric}: the paper's accuracy/computation trade-off rule).
         */
        public Choices.StopRule stopRule = Choices.StopRule.BUDGET;
        /** The baseline run's best validation metric (stop_rule surpass, savings reports); null = unknown. */
        public Double baselineMetric = null;
    }

    /** Learning-rate schedule. */
    public static final class Schedule {
        /** multistep (AST: lr·γ^k after epoch start, every step epochs), cosine, constant. */
        public Choices.Schedule kind = Choices.Schedule.MULTISTEP;
        /** Linear warm-up over this many optimiser steps (AST: 1000 on AudioSet; 0 = off). */
        public int warmupSteps = 0;
        public int start = 5;
        public int step = 1;
        public double gamma = 0.85;
        /** cosine: final lr as a fraction of the initial. */
        public double minLrFraction = 0.01;
    }

    /** One coarse-to-fine phase. */
    public static final class Phase {
        /** fshift, avgpool, maxpool, patch (none for the final full-resolution phase). */
        public String method = "none";
        /** Compression factor C along time (1 = full resolution). */
        public int factor = 1;
        /**
         * Length in epochs, or (if fraction &gt; 0) as a fraction of train.epochs rounded half up, at least 1. Give one
         * of them for every initial phase; a final phase with neither takes the remaining epochs.
         */
        public int epochs = 0;
        public double fraction = 0.0;
        /** patch method: how the patch-embedding kernel moves to the next phase's patch, "pi" or "bilinear". */
        public String resize = "pi";
    }

    /** Evaluation. */
    public static final class Eval {
        public int batchSize = 64;
        /** Final weights: best (validation metric), last (epoch). ESC-50 runs use last, as AST's recipe. */
        public Choices.Select select = Choices.Select.BEST;
        /**
         * Also score the test split after every epoch (recorded as {@code test_<metric>} in the metrics), so the paper's
         * "first epoch that surpasses the baseline" rule can report test accuracy at that epoch.
         */
        public boolean testEachEpoch = false;
        /** Window (s) and hop (s) for classifying files longer than the model's input. */
        public double windowSeconds = 0;
        public double hopSeconds = 0;
    }
}
