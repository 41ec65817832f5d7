package org.tempora.explain;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tempora.InvalidInputException;
import org.tempora.model.TemporaModel;
import org.tempora.resolution.DiffRes;

/**
 * What a DiffRes model learned for one clip: where it spent its output frames. {@link #explain} runs the model's DiffRes
 * stage and returns everything needed to show it — the input log-mel, the importance curve (normalised scores: output
 * frames spent per input frame), the input time of every output-frame boundary and the warped output (average
 * channel) — plus a short text summary. The library draws nothing: tempora-report's {@code ExplainChart} turns an
 * {@link Explanation} into the PNG (JFreeChart) that {@code tempora explain} writes.
 *
 * <p>The normalised score {@code s_j} is exactly the share of an output frame that input frame j receives
 * ({@code Σ s = t}); 1 means the frame keeps full resolution, {@code t/T} is the uniform rate of a fixed pooling at the
 * same δ. A frame is called <i>merged</i> when {@code s_j < ½·t/T}.
 */
public final class Explainer {
    private Explainer() {}

    /** A stretch of input frames {@code [startFrame, endFrame)} and its mean score relative to the uniform rate. */
    public record Region(int startFrame, int endFrame, double startSeconds, double endSeconds, double meanScore,
                         double relativeRate) {}

    /** Output frames spent on the input between two times, and their share of all output frames. */
    public record Bucket(double startSeconds, double endSeconds, double outputFrames, double fraction) {}

    /**
     * @param mergeThreshold     the score below which a frame counts as merged ({@code ½·t/T})
     * @param mergedFraction     share of the input frames that are merged
     * @param mergedOutputFrames output frames the merged input frames occupy together
     */
    public record Summary(String stage, int inputFrames, int validFrames, int outputFrames, double frameShiftSeconds,
                         List<Bucket> buckets, Region mostResolved, Region leastResolved, double mergeThreshold,
                         double mergedFraction, double mergedOutputFrames, String text) {}

    /**
     * Everything the picture shows: the input {@code [T·F]}, the normalised scores {@code [T]}, an average output channel
     * {@code [t·F]} and the input position (in frames, fractional) of every output-frame boundary {@code [t + 1]}.
     *
     * @param outputChannel which average {@code output} holds: {@link DiffRes.Channel#LOGAVG} when the model outputs it
     *                      and not {@code avg}, else {@link DiffRes.Channel#AVG} (the reference's, also for a model
     *                      with neither, so that every model gets a picture)
     */
    public record Explanation(int frames, int bins, int outFrames, float[] input, float[] score, float[] output,
                              DiffRes.Channel outputChannel, double[] boundaries, Summary summary) {}

    /**
     * Runs the model's DiffRes stage (evaluation mode, no gradients) on one raw log-mel example.
     *
     * @param logMel            raw (un-normalised) log-mel {@code [T·F]}, time-major, padded to the model's frames
     * @param validFrames       frames that hold audio (the rest is padding), ≤ T
     * @param frameShiftSeconds hop between frames, for the time axis
     */
    public static Explanation explain(TemporaModel model, float[] logMel, int frames, int bins, int validFrames,
                                      double frameShiftSeconds) {
        if (!(model.resolution() instanceof DiffRes dr)) {
            throw new InvalidInputException("explain", "the model has no DiffRes stage (its resolution stage is "
                    + (model.resolution() == null ? "none" : model.resolution().describe()) + ")");
        }
        if (frames != dr.inputFrames() || bins != dr.bins() || logMel.length != frames * bins) {
            throw new InvalidInputException("explain", "expects log-mel of " + dr.inputFrames() + " × " + dr.bins()
                    + ", got " + frames + " × " + bins + " (" + logMel.length + " values)");
        }
        int t = dr.outputFrames();
        float[] score;
        float[] avg;
        DiffRes.Channel shown = dr.channels().contains(DiffRes.Channel.LOGAVG) && !dr.channels().contains(DiffRes.Channel.AVG)
                ? DiffRes.Channel.LOGAVG : DiffRes.Channel.AVG;
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager sub = model.manager().newSubManager()) {
            DiffRes.Trace tr = dr.trace(sub.create(logMel, new Shape(1, frames, bins)), false);
            score = tr.norm().score().toFloatArray();
            avg = (shown == DiffRes.Channel.LOGAVG ? tr.logAvg() : tr.avg()).toFloatArray();
        } finally {
            JniUtils.setGradMode(grad);
        }
        int valid = Math.max(1, Math.min(validFrames, frames));
        double[] bounds = boundaries(score, t);
        Summary s = summarise(dr.describe(), score, t, valid, frameShiftSeconds);
        return new Explanation(frames, bins, t, logMel.clone(), score, avg, shown, bounds, s);
    }

    /**
     * Input position (in frames) of each output-cell boundary {@code i = 0..t}: frame j covers {@code [c_{j−1}, c_j]}
     * of the output axis, so boundary i lies at {@code j + (i − c_{j−1})/s_j} in the frame j where it falls. A boundary
     * beyond the total score (the reference can leave the sum short of t) is put at the end.
     */
    public static double[] boundaries(float[] score, int t) {
        double[] b = new double[t + 1];
        double c = 0;
        int i = 1;
        for (int j = 0; j < score.length && i <= t; j++) {
            double next = c + score[j];
            while (i <= t && i <= next) {
                b[i] = j + (score[j] > 0 ? (i - c) / score[j] : 0);
                i++;
            }
            c = next;
        }
        for (; i <= t; i++) b[i] = score.length;
        return b;
    }

    /** The numbers of the text summary, from the normalised scores alone (see the class comment). */
    public static Summary summarise(String stage, float[] score, int t, int validFrames, double shift) {
        int frames = score.length;
        double uniform = (double) t / frames;
        double total = 0;
        for (float v : score) total += v;
        double duration = frames * shift;
        double bucketSec = duration >= 4 ? 1.0 : 0.25;
        List<Bucket> buckets = new ArrayList<>();
        int nb = Math.max(1, (int) Math.ceil(duration / bucketSec - 1e-9));
        double[] sums = new double[nb];
        for (int j = 0; j < frames; j++) sums[Math.min(nb - 1, (int) (j * shift / bucketSec + 1e-9))] += score[j];
        for (int k = 0; k < nb; k++) {
            buckets.add(new Bucket(k * bucketSec, Math.min(duration, (k + 1) * bucketSec), sums[k], total > 0 ? sums[k] / total : 0));
        }
        int span = Math.max(1, Math.min(validFrames, Math.round(frames / 10f)));
        Region most = null;
        Region least = null;
        double window = 0;
        for (int j = 0; j < validFrames; j++) {
            window += score[j];
            if (j >= span) window -= score[j - span];
            if (j + 1 < span) continue;
            int start = j + 1 - span;
            double mean = window / span;
            Region r = new Region(start, j + 1, start * shift, (j + 1) * shift, mean, mean / uniform);
            if (most == null || mean > most.meanScore() + 1e-12) most = r;
            if (least == null || mean < least.meanScore() - 1e-12) least = r;
        }
        double threshold = 0.5 * uniform;
        int merged = 0;
        double mergedOut = 0;
        for (float v : score) {
            if (v < threshold) {
                merged++;
                mergedOut += v;
            }
        }
        double mergedFraction = (double) merged / frames;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s: %d input frames (%.2f s at %.0f ms) -> %d output frames (uniform rate %.2f output frames per input frame)%n",
                stage, frames, duration, shift * 1000, t, uniform));
        if (validFrames < frames) {
            sb.append(String.format(Locale.ROOT, "audio fills frames 0-%d (%.2f s); the rest is padding%n", validFrames, validFrames * shift));
        }
        sb.append(String.format(Locale.ROOT, "output frames spent per %s of input:%n", bucketSec == 1.0 ? "second" : "quarter second"));
        for (Bucket b : buckets) {
            sb.append(String.format(Locale.ROOT, "  %6.2f-%6.2f s  %6.1f frames  %5.1f%%%n", b.startSeconds(), b.endSeconds(), b.outputFrames(), 100 * b.fraction()));
        }
        sb.append(String.format(Locale.ROOT, "most resolved:  %.2f-%.2f s (mean score %.3f, %.2fx the uniform rate)%n",
                most.startSeconds(), most.endSeconds(), most.meanScore(), most.relativeRate()));
        sb.append(String.format(Locale.ROOT, "least resolved: %.2f-%.2f s (mean score %.3f, %.2fx the uniform rate)%n",
                least.startSeconds(), least.endSeconds(), least.meanScore(), least.relativeRate()));
        sb.append(String.format(Locale.ROOT, "merged (score < %.3f): %.1f%% of the input frames, sharing %.1f output frames%n",
                threshold, 100 * mergedFraction, mergedOut));
        return new Summary(stage, frames, validFrames, t, shift, List.copyOf(buckets), most, least, threshold, mergedFraction,
                mergedOut, sb.toString());
    }
}
