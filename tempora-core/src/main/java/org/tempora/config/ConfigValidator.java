package org.tempora.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tempora.ConfigException;

/**
 * Checks a bound {@link ExperimentConfig} completely when it is loaded, before any data is read: every choice
 * against its allowed names, every number against its range, and the cross-field rules that do not need the data.
 * All problems are collected; the exception names the first one by its key path (and how many more there are), so a
 * typo in {@code train.optimizer} fails at once, not after feature extraction.
 *
 * <p>Rules that need the data (the input length against a patch size, say) stay with the components that know it.
 */
public final class ConfigValidator {
    private final List<String> problems = new ArrayList<>();

    private ConfigValidator() {}

    /** @throws ConfigException naming the first bad key path, prefixed by {@code source} */
    public static void validate(ExperimentConfig c, String source) {
        ConfigValidator v = new ConfigValidator();
        v.check(c);
        if (!v.problems.isEmpty()) {
            String more = v.problems.size() == 1 ? "" : " (and " + (v.problems.size() - 1) + " more: "
                    + String.join("; ", v.problems.subList(1, v.problems.size())) + ")";
            throw new ConfigException(source + ": " + v.problems.get(0) + more);
        }
    }

    private void check(ExperimentConfig c) {
        ExperimentConfig.Data d = c.data();
        oneOf("data.layout", d.layout(), "auto", "speechcommands", "esc50", "audioset", "folders", "synthetic");
        oneOf("data.speechcommands_classes", Integer.toString(d.speechcommandsClasses()), "35", "12");
        range("data.fold", d.fold(), 1, 5);
        range("data.train_fraction", d.trainFraction(), Math.ulp(0.0), 1);
        min("data.synthetic.clips_per_class", d.synthetic().clipsPerClass(), ExperimentConfig.Synthetic.MIN_CLIPS_PER_CLASS);
        min("data.synthetic.classes", d.synthetic().classes(), 2);
        positive("data.synthetic.seconds", d.synthetic().seconds());

        ExperimentConfig.Features f = c.features();
        range("features.sample_rate", f.sampleRate(), 1000, 768000);
        min("features.mel_bins", f.melBins(), 4);
        positive("features.frame_shift_ms", f.frameShiftMs());
        positive("features.frame_length_ms", f.frameLengthMs());
        oneOf("features.window", lower(f.window()), "hanning", "povey", "hamming", "rectangular", "blackman");
        min("features.target_frames", f.targetFrames(), 1);
        range("features.preemphasis", f.preemphasis(), 0, 1);
        min("features.dither", f.dither(), 0);
        min("features.low_freq", f.lowFreq(), 0);
        finite("features.high_freq", f.highFreq());
        finite("features.norm_mean", f.normMean());
        if (f.channel() == null || !(f.channel().strip().equalsIgnoreCase("mix") || f.channel().strip().matches("\\d+"))) {
            problems.add("bad value for 'features.channel': '" + f.channel() + "' (a channel index or mix)");
        }
        if ((f.normMean() == null) != (f.normStd() == null)) problems.add("features.norm_mean and features.norm_std must be given together");
        if (f.normStd() != null) positive("features.norm_std", f.normStd());

        // the kind-specific sections check themselves (a registered kind brings its own rules)
        if (c.resolution() == null) problems.add("bad value for 'resolution': null");
        else problems.addAll(c.resolution().problems());

        ExperimentConfig.Tokens t = c.tokens();
        notNull("tokens.kind", t.kind());
        pair("tokens.patch", t.patch());
        pair("tokens.stride", t.stride());
        min("tokens.fftp_width", t.fftpWidth(), 1);
        min("tokens.fftp_stride", t.fftpStride(), 1);

        if (c.backbone() == null) problems.add("bad value for 'backbone': null");
        else problems.addAll(c.backbone().problems());

        ExperimentConfig.Augment a = c.augment();
        min("augment.freqm", a.freqm(), 0);
        min("augment.timem", a.timem(), 0);
        range("augment.specmask_ratio", a.specmaskRatio(), 0, 1);
        range("augment.specmask_lambda", a.specmaskLambda(), 0, 1);
        min("augment.specmask_freq_height", a.specmaskFreqHeight(), 1);
        range("augment.mixup", a.mixup(), 0, 1);
        range("augment.vtlp", a.vtlp(), 0, 0.49);
        range("augment.time_stretch", a.timeStretch(), 0, 0.49);

        ExperimentConfig.Train tr = c.train();
        min("train.epochs", tr.epochs(), 1);
        min("train.batch_size", tr.batchSize(), 1);
        positive("train.lr", tr.lr());
        min("train.weight_decay", tr.weightDecay(), 0);
        if (tr.betas() == null || tr.betas().size() != 2) problems.add("train.betas needs two values (beta1, beta2)");
        else for (int i = 0; i < 2; i++) range("train.betas[" + i + "]", tr.betas().get(i), 0, 1 - 1e-12);
        positive("train.eps", tr.eps());
        min("train.grad_clip", tr.gradClip(), 0);
        range("train.label_smoothing", tr.labelSmoothing(), 0, 1);
        if (tr.labelSmoothing() > 0 && tr.loss() == Choices.Loss.BCE)
            problems.add("train.label_smoothing applies to the ce loss only (train.loss is bce)");
        // the closed choices are enums (Choices), bound by Jackson; only an explicit null gets this far
        notNull("train.optimizer", tr.optimizer());
        notNull("train.loss", tr.loss());
        notNull("train.schedule.kind", tr.schedule().kind());
        notNull("train.phase_switch", tr.phaseSwitch());
        notNull("train.stop_rule", tr.stopRule());
        notNull("eval.select", c.eval().select());
        if (tr.weightAverage() != null && !tr.weightAverage().isEmpty()) {   // the end is clamped to train.epochs
            if (tr.weightAverage().size() != 2 || tr.weightAverage().contains(null)) problems.add("train.weight_average needs [start, end] epochs");
            else if (tr.weightAverage().get(0) < 1 || tr.weightAverage().get(1) < tr.weightAverage().get(0) || tr.weightAverage().get(0) > tr.epochs()) {
                problems.add("bad value for 'train.weight_average': " + tr.weightAverage() + " (1 <= start <= end, start <= train.epochs " + tr.epochs() + ")");
            }
        }
        min("train.data_threads", tr.dataThreads(), 0);
        min("train.threads", tr.threads(), 0);
        min("train.schedule.warmup_steps", tr.schedule().warmupSteps(), 0);
        min("train.schedule.start", tr.schedule().start(), 0);
        min("train.schedule.step", tr.schedule().step(), 1);
        positive("train.schedule.gamma", tr.schedule().gamma());
        range("train.schedule.min_lr_fraction", tr.schedule().minLrFraction(), 0, 1);
        for (int i = 0; i < tr.phases().size(); i++) {
            ExperimentConfig.Phase p = tr.phases().get(i);
            String k = "train.phases[" + i + "]";
            oneOf(k + ".method", p.method(), "none", "fshift", "avgpool", "maxpool", "patch");
            min(k + ".factor", p.factor(), 1);
            min(k + ".epochs", p.epochs(), 0);
            range(k + ".fraction", p.fraction(), 0, 1);
            oneOf(k + ".resize", p.resize(), "pi", "bilinear");
        }
        min("train.phase_patience", tr.phasePatience(), 1);
        min("train.phase_min_delta", tr.phaseMinDelta(), 0);
        min("train.stop_patience", tr.stopPatience(), 1);
        min("train.stop_min_delta", tr.stopMinDelta(), 0);
        min("train.stop_min_epochs", tr.stopMinEpochs(), 0);

        ExperimentConfig.Eval e = c.eval();
        min("eval.batch_size", e.batchSize(), 1);
        min("eval.window_seconds", e.windowSeconds(), 0);
        min("eval.hop_seconds", e.hopSeconds(), 0);
        min("eval.explain_clips", e.explainClips(), 0);
    }

    private void notNull(String key, Object value) {
        if (value == null) problems.add("bad value for '" + key + "': null");
    }

    private static String lower(String s) {
        return s == null ? null : s.strip().toLowerCase(Locale.ROOT);
    }

    private void oneOf(String key, String value, String... allowed) {
        for (String a : allowed) if (a.equals(value)) return;
        problems.add("bad value for '" + key + "': " + (value == null ? "null" : "'" + value + "'") + " (expected "
                + String.join(", ", allowed) + ")");
    }

    private void range(String key, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) problems.add("bad value for '" + key + "': " + v + " (must be in [" + lo + ", " + hi + "])");
    }

    private void range(String key, int v, int lo, int hi) {
        if (!(v >= lo && v <= hi)) problems.add("bad value for '" + key + "': " + v + " (must be in [" + lo + ", " + hi + "])");
    }

    /** A number with a lower bound and no upper one must still be finite (Infinity is no weight decay or dither). */
    private void min(String key, double v, double lo) {
        if (!(v >= lo) || Double.isInfinite(v)) problems.add("bad value for '" + key + "': " + v + " (must be a finite number >= " + lo + ")");
    }

    private void min(String key, int v, int lo) {
        if (v < lo) problems.add("bad value for '" + key + "': " + v + " (must be >= " + lo + ")");
    }

    private void positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) problems.add("bad value for '" + key + "': " + v + " (must be > 0)");
    }

    private void finite(String key, Double v) {
        if (v != null && !Double.isFinite(v)) problems.add("bad value for '" + key + "': " + v + " (must be a finite number)");
    }

    private void pair(String key, List<Integer> v) {
        if (v == null || v.size() != 2) problems.add(key + " needs two values (frequency, time), got " + v);
        else if (v.get(0) == null || v.get(1) == null || v.get(0) < 1 || v.get(1) < 1) problems.add("bad value for '" + key + "': " + v + " (positive sizes)");
    }
}
