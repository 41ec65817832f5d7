package org.tempora.explain;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.tempora.InvalidInputException;
import org.tempora.OutputException;
import org.tempora.io.AtomicFiles;
import org.tempora.model.TemporaModel;
import org.tempora.resolution.DiffRes;

/**
 * The picture of what a DiffRes model learned for one clip: where it spent its output frames. One PNG of four stacked
 * panels on a shared input-time axis — the input log-mel with the merged frames shaded, the importance curve
 * (normalised scores: output frames spent per input frame), the mapping of every output-frame boundary back to input
 * time, and the warped output (average channel) with its frames drawn at equal width — plus a short text summary.
 *
 * <p>The normalised score {@code s_j} is exactly the share of an output frame that input frame j receives
 * ({@code Σ s = t}); 1 means the frame keeps full resolution, {@code t/T} is the uniform rate of a fixed pooling at the
 * same δ. A frame is called <i>merged</i> when {@code s_j < ½·t/T}.
 */
public final class Explainer {
    private Explainer() {}

    /** Image width in pixels. */
    public static final int WIDTH = 1000;
    /** Image height in pixels. */
    public static final int HEIGHT = 800;

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
     * Everything drawn: the input {@code [T·F]}, the normalised scores {@code [T]}, the average output channel
     * {@code [t·F]} and the input position (in frames, fractional) of every output-frame boundary {@code [t + 1]}.
     */
    public record Explanation(int frames, int bins, int outFrames, float[] input, float[] score, float[] output,
                              double[] boundaries, Summary summary) {}

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
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager sub = model.manager().newSubManager()) {
            DiffRes.Trace tr = dr.trace(sub.create(logMel, new Shape(1, frames, bins)), false);
            score = tr.norm().score().toFloatArray();
            avg = tr.avg().toFloatArray();
        } finally {
            JniUtils.setGradMode(grad);
        }
        int valid = Math.max(1, Math.min(validFrames, frames));
        double[] bounds = boundaries(score, t);
        Summary s = summarise(dr.describe(), score, t, valid, frameShiftSeconds);
        return new Explanation(frames, bins, t, logMel.clone(), score, avg, bounds, s);
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

    // ------------------------------------------------------------------------------------------- drawing

    private static final int LEFT = 64;
    private static final int RIGHT = 24;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Color AXIS = new Color(0x444444);
    private static final Color CURVE = new Color(0xd62728);
    /** viridis at 0, ¼, ½, ¾, 1. */
    private static final int[][] MAP = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};

    /** Draws the four panels ({@link #WIDTH} × {@link #HEIGHT}). */
    public static BufferedImage render(Explanation e) {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int pw = WIDTH - LEFT - RIGHT;
            Summary s = e.summary();
            double[] range = range(e.input(), e.bins(), s.validFrames());
            g.setFont(TITLE);
            g.setColor(Color.BLACK);
            g.drawString(s.stage() + ": where the output frames went (time axis in seconds)", LEFT, 20);

            // 1. input spectrogram, merged frames shaded, padding greyed
            int y1 = 50;
            int h1 = 180;
            caption(g, "input log-mel (" + e.frames() + " frames × " + e.bins() + " bins); shaded: merged frames (score < "
                    + fmt(s.mergeThreshold()) + "), grey: padding", y1 - 6);
            heat(img, e.input(), e.frames(), e.bins(), LEFT, y1, pw, h1, range);
            for (int j = 0; j < e.frames(); j++) {
                int x0 = LEFT + (int) Math.floor((double) j * pw / e.frames());
                int x1 = LEFT + (int) Math.ceil((double) (j + 1) * pw / e.frames());
                if (j >= s.validFrames()) {
                    g.setColor(new Color(128, 128, 128, 200));
                    g.fillRect(x0, y1, x1 - x0, h1);
                } else if (e.score()[j] < s.mergeThreshold()) {
                    g.setColor(new Color(255, 255, 255, 140));
                    g.fillRect(x0, y1, x1 - x0, h1);
                }
            }
            frame(g, LEFT, y1, pw, h1);
            timeTicks(g, e.frames(), s.frameShiftSeconds(), LEFT, y1 + h1, pw);

            // 2. importance curve
            int y2 = y1 + h1 + 50;
            int h2 = 150;
            caption(g, "importance: output frames spent per input frame (normalised score); dashed: uniform rate "
                    + fmt((double) e.outFrames() / e.frames()), y2 - 6);
            g.setColor(new Color(0xf4f4f4));
            g.fillRect(LEFT, y2, pw, h2);
            g.setColor(new Color(0x999999));
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f));
            int yu = y2 + h2 - (int) Math.round(h2 * (double) e.outFrames() / e.frames());
            g.drawLine(LEFT, yu, LEFT + pw, yu);
            g.setStroke(new BasicStroke(1.6f));
            g.setColor(CURVE);
            int px = -1;
            int py = -1;
            for (int j = 0; j < e.frames(); j++) {
                int x = LEFT + (int) Math.round((j + 0.5) * pw / e.frames());
                int y = y2 + h2 - (int) Math.round(h2 * Math.min(1, Math.max(0, e.score()[j])));
                if (px >= 0) g.drawLine(px, py, x, y);
                px = x;
                py = y;
            }
            g.setStroke(new BasicStroke(1f));
            frame(g, LEFT, y2, pw, h2);
            g.setFont(LABEL);
            g.setColor(AXIS);
            g.drawString("1", LEFT - 14, y2 + 5);
            g.drawString("0", LEFT - 14, y2 + h2 + 4);
            timeTicks(g, e.frames(), s.frameShiftSeconds(), LEFT, y2 + h2, pw);

            // 3. mapping of output-frame boundaries to input time
            int y3 = y2 + h2 + 50;
            int h3 = 90;
            caption(g, "each output frame's span of the input (top: input time, bottom: " + e.outFrames() + " output frames)", y3 - 6);
            g.setColor(new Color(0x3b528b));
            for (int i = 0; i < e.boundaries().length; i++) {
                int xin = LEFT + (int) Math.round(e.boundaries()[i] * pw / e.frames());
                int xout = LEFT + (int) Math.round((double) i * pw / e.outFrames());
                g.drawLine(xin, y3, xout, y3 + h3);
            }
            g.setColor(AXIS);
            g.drawLine(LEFT, y3, LEFT + pw, y3);
            g.drawLine(LEFT, y3 + h3, LEFT + pw, y3 + h3);

            // 4. warped output
            int y4 = y3 + h3 + 30;
            int h4 = HEIGHT - y4 - 30;
            caption(g, "DiffRes output, average channel (" + e.outFrames() + " frames drawn at equal width)", y4 - 6);
            heat(img, e.output(), e.outFrames(), e.bins(), LEFT, y4, pw, h4, range);
            frame(g, LEFT, y4, pw, h4);
            g.setFont(LABEL);
            g.setColor(AXIS);
            g.drawString("output frame 0", LEFT, y4 + h4 + 14);
            String last = Integer.toString(e.outFrames());
            g.drawString(last, LEFT + pw - g.getFontMetrics().stringWidth(last), y4 + h4 + 14);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders and writes the PNG atomically (all or nothing). */
    public static void writePng(Explanation e, Path file) {
        BufferedImage img = render(e);
        try {
            AtomicFiles.write(file, out -> {
                if (!ImageIO.write(img, "png", out)) throw new IOException("no PNG writer");
            });
        } catch (IOException ex) {
            throw new OutputException(file, ex);
        }
    }

    private static void heat(BufferedImage img, float[] v, int frames, int bins, int x0, int y0, int w, int h, double[] range) {
        double span = Math.max(1e-9, range[1] - range[0]);
        for (int x = 0; x < w; x++) {
            int j = Math.min(frames - 1, (int) ((long) x * frames / w));
            for (int y = 0; y < h; y++) {
                int f = Math.min(bins - 1, (int) ((long) (h - 1 - y) * bins / h)); // low frequencies at the bottom
                double u = (v[j * bins + f] - range[0]) / span;
                img.setRGB(x0 + x, y0 + y, color(Math.max(0, Math.min(1, u))));
            }
        }
    }

    /** 2nd and 99.5th percentile of the audio frames: the colour range of both spectrogram panels. */
    private static double[] range(float[] v, int bins, int validFrames) {
        float[] s = Arrays.copyOf(v, Math.max(1, validFrames * bins));
        Arrays.sort(s);
        double lo = s[(int) (0.02 * (s.length - 1))];
        double hi = s[(int) (0.995 * (s.length - 1))];
        return new double[] {lo, hi > lo ? hi : lo + 1};
    }

    static int color(double u) {
        double p = u * (MAP.length - 1);
        int k = Math.min(MAP.length - 2, (int) p);
        double f = p - k;
        int r = (int) Math.round(MAP[k][0] + f * (MAP[k + 1][0] - MAP[k][0]));
        int gr = (int) Math.round(MAP[k][1] + f * (MAP[k + 1][1] - MAP[k][1]));
        int b = (int) Math.round(MAP[k][2] + f * (MAP[k + 1][2] - MAP[k][2]));
        return (r << 16) | (gr << 8) | b;
    }

    private static void caption(Graphics2D g, String s, int y) {
        g.setFont(LABEL);
        g.setColor(Color.BLACK);
        g.drawString(s, LEFT, y);
    }

    private static void frame(Graphics2D g, int x, int y, int w, int h) {
        g.setColor(AXIS);
        g.drawRect(x, y, w, h);
    }

    private static void timeTicks(Graphics2D g, int frames, double shift, int x0, int y, int w) {
        double duration = frames * shift;
        double step = niceStep(duration / 8);
        g.setFont(LABEL);
        g.setColor(AXIS);
        for (double s = 0; s <= duration + 1e-9; s += step) {
            int x = x0 + (int) Math.round(s / duration * w);
            g.drawLine(x, y, x, y + 4);
            String l = step < 1 ? String.format(Locale.ROOT, "%.2f", s) : String.format(Locale.ROOT, "%.0f", s);
            g.drawString(l, x - g.getFontMetrics().stringWidth(l) / 2, y + 16);
        }
    }

    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) if (m * p >= raw) return m * p;
        return 10 * p;
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }
}
