package org.tempora.run;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.audio.ChannelMode;
import org.tempora.augment.FeatureMasker;
import org.tempora.augment.SpecAugment;
import org.tempora.augment.VoiceWarp;
import org.tempora.augment.SpecMask;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Clip;
import org.tempora.data.Dataset;
import org.tempora.data.DatasetLoader;
import org.tempora.data.FeatureBatchSource;
import org.tempora.data.FeatureCache;
import org.tempora.data.FeatureSet;
import org.tempora.data.Split;
import org.tempora.features.FbankOptions;
import org.tempora.features.FrontEnd;
import org.tempora.features.WindowType;

/**
 * A dataset made ready for training: clips read in their layout, features computed (or found in the cache) for
 * every split, normalisation statistics, and batch sources with the configured augmentation.
 */
public final class PreparedData {
    public final Dataset dataset;
    public final FrontEnd frontEnd;
    public final Map<Split, FeatureSet> features = new EnumMap<>(Split.class);
    public final Map<Split, FeatureBatchSource> sources = new EnumMap<>(Split.class);
    public final double normMean;
    public final double normStd;
    public final boolean normComputed;
    public final String digest;

    private PreparedData(Dataset dataset, FrontEnd frontEnd, double mean, double std, boolean computed, String digest) {
        this.dataset = dataset;
        this.frontEnd = frontEnd;
        this.normMean = mean;
        this.normStd = std;
        this.normComputed = computed;
        this.digest = digest;
    }

    /** The raw (un-normalised, padded) front-end of a config. */
    public static FrontEnd frontEnd(ExperimentConfig.Features f) {
        FbankOptions o = FbankOptions.ast(f.sampleRate()).withNumMelBins(f.melBins()).withFrameShiftMs(f.frameShiftMs())
                .withFrameLengthMs(f.frameLengthMs()).withWindow(WindowType.parse(f.window()))
                .withFrequencyRange(f.lowFreq(), f.highFreq()).withPreemphasis(f.preemphasis())
                .withDither(f.dither(), f.ditherSeed()).withRemoveDcOffset(f.removeDcOffset()).withSnipEdges(f.snipEdges())
                .withUsePower(f.usePower());
        if (f.targetFrames() < 1) throw new ConfigException("features.target_frames must be >= 1");
        return new FrontEnd(o, FrontEnd.parseChannel(f.channel()), f.targetFrames(), Double.NaN, Double.NaN);
    }

    /** For training: reads the dataset and prepares every split; the training and validation splits must have clips. */
    public static PreparedData prepare(ExperimentConfig cfg, Path cacheRoot, int threads, RunListener l) {
        return prepare(cfg, read(cfg, l), cacheRoot, threads, l);
    }

    /** For training, on a dataset already read (coarse-to-fine phases with their own features). */
    public static PreparedData prepare(ExperimentConfig cfg, Dataset ds, Path cacheRoot, int threads, RunListener l) {
        return prepare(cfg, ds, EnumSet.allOf(Split.class), EnumSet.of(Split.TRAIN, Split.VALID), cacheRoot, threads, l);
    }

    /**
     * For evaluation: only {@code split} is read into features, and only it must have clips; a folder with nothing but
     * test clips is enough. The normalisation must be given ({@code features.norm_mean/norm_std}: a model carries its
     * own), since no training split is there to compute it on.
     */
    public static PreparedData prepareSplit(ExperimentConfig cfg, Split split, Path cacheRoot, int threads, RunListener l) {
        if (cfg.features().normMean() == null || cfg.features().normStd() == null) {
            throw new ConfigException("evaluating one split needs the normalisation (features.norm_mean and features.norm_std)");
        }
        return prepare(cfg, read(cfg, l), EnumSet.of(split), EnumSet.of(split), cacheRoot, threads, l);
    }

    private static Dataset read(ExperimentConfig cfg, RunListener l) {
        l.onStage("reading the dataset (" + cfg.data().path() + ")");
        Dataset ds = DatasetLoader.load(cfg.data(), cfg.seed());
        for (String s : ds.skipped()) l.onNote("skipped " + s);
        return ds;
    }

    private static PreparedData prepare(ExperimentConfig cfg, Dataset ds, Set<Split> wanted, Set<Split> required, Path cacheRoot,
                                        int threads, RunListener l) {
        FrontEnd fe = frontEnd(cfg.features());
        FeatureCache cache = new FeatureCache(cacheRoot);
        Map<Split, FeatureSet> sets = new EnumMap<>(Split.class);
        for (Split s : wanted) {
            List<Clip> clips = ds.split(s);
            if (clips.isEmpty()) continue;
            l.onStage("features of the " + s.key() + " split (" + clips.size() + " clips)");
            int total = clips.size();
            FeatureSet fs = cache.get(clips, fe, threads, cfg.data().skipBad(), done -> l.onProgress(done, total));
            for (String p : fs.skipped()) l.onNote("skipped " + p);
            sets.put(s, fs);
        }
        for (Split s : required) requireClips(cfg, ds, s, sets.get(s));
        double mean;
        double std;
        boolean computed = cfg.features().normMean() == null || cfg.features().normStd() == null;
        if (computed) {
            double[] ms = meanStd(sets.get(Split.TRAIN));
            mean = ms[0];
            std = ms[1];
            l.onNote(String.format(Locale.ROOT, "normalisation computed on the training split: mean %.4f, std %.4f", mean, std));
        } else {
            mean = cfg.features().normMean();
            std = cfg.features().normStd();
        }
        PreparedData pd = new PreparedData(ds, fe, mean, std, computed, digest(ds, fe));
        pd.features.putAll(sets);
        FeatureMasker masker = masker(cfg, fe.fbank().numMelBins());
        VoiceWarp warp = new VoiceWarp(cfg.augment().vtlp(), cfg.augment().timeStretch(), fe.fbank());
        for (Map.Entry<Split, FeatureSet> e : sets.entrySet()) {
            FeatureBatchSource.Augment aug = e.getKey() == Split.TRAIN
                    ? new FeatureBatchSource.Augment(masker, cfg.augment().mixup(), cfg.augment().noise(), std, warp)
                    : FeatureBatchSource.Augment.none();
            pd.sources.put(e.getKey(), new FeatureBatchSource(e.getValue(), ds.split(e.getKey()), ds.numClasses(), fe, aug));
        }
        return pd;
    }

    /**
     * A split a job needs must have a clip to use: otherwise the dataset is the problem (bad input data), named by its
     * folder, whether its lists name no clip of the split or every clip was skipped as bad.
     */
    private static void requireClips(ExperimentConfig cfg, Dataset ds, Split s, FeatureSet fs) {
        if (fs != null && fs.size() > 0) return;
        int listed = ds.split(s).size();
        String name = switch (s) {
            case TRAIN -> "training";
            case VALID -> "validation";
            case TEST -> "test";
        };
        throw new InvalidInputException(cfg.data().path(), "the " + name + " split is empty"
                + (listed == 0 ? "" : " (all " + listed + " of its clips were skipped as bad)"));
    }

    /** Every clip skipped as bad: by the dataset reader (missing files, unknown labels) and at the feature stage (bad audio). */
    public List<String> skipped() {
        List<String> all = new ArrayList<>(dataset.skipped());
        for (FeatureSet fs : features.values()) all.addAll(fs.skipped());
        return all;
    }

    /** The masking augmentation a config names: SpecMask (augment.specmask_ratio > 0), SpecAugment, or none. */
    public static FeatureMasker masker(ExperimentConfig cfg, int bins) {
        ExperimentConfig.Augment a = cfg.augment();
        if (a.specmaskRatio() > 0) {
            if (a.freqm() > 0 || a.timem() > 0) throw new ConfigException("choose SpecMask (augment.specmask_ratio) or SpecAugment (augment.freqm/timem), not both");
            return SpecMask.fromConfig(cfg, bins);
        }
        if (a.freqm() < 0 || a.timem() < 0) throw new ConfigException("augment.freqm and augment.timem must be >= 0");
        if (a.freqm() == 0 && a.timem() == 0) return null;
        return (x, off, t, f, rng) -> SpecAugment.apply(x, off, t, f, a.freqm(), a.timem(), rng);
    }

    /** Exact mean and std over every cell of every cached example (padding included, as the model sees it). */
    static double[] meanStd(FeatureSet fs) {
        long n = 0;
        double mean = 0;
        double m2 = 0;
        for (int i = 0; i < fs.size(); i++) {
            float[] x = fs.get(i);
            double s = 0;
            for (float v : x) s += v;
            double pm = s / x.length;
            double pm2 = 0;
            for (float v : x) pm2 += (v - pm) * (v - pm);
            long tot = n + x.length;
            double d = pm - mean;
            mean += d * x.length / tot;
            m2 += pm2 + d * d * ((double) n * x.length / tot);
            n = tot;
        }
        return new double[] {mean, Math.sqrt(m2 / Math.max(1, n - 1))};
    }

    /**
     * A short, machine-independent digest of the data a run saw: the layout, classes, front-end, and every clip's
     * split, id and labels (ids are paths relative to the dataset folder). The recipes' own DIGEST file, when
     * present, is recorded next to it in run.json.
     */
    public static String digest(Dataset ds, FrontEnd fe) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((ds.layout() + "|" + ds.classes() + "|" + fe.fbank() + "|" + fe.targetFrames() + "\n").getBytes(StandardCharsets.UTF_8));
            for (Split s : Split.values()) {
                for (Clip c : ds.split(s)) {
                    md.update((s.key() + "|" + c.id() + "|" + Arrays.toString(c.labels()) + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
