package org.tempora.resolution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;
import org.tempora.eval.FlopCount;

/**
 * Adaptive pooling over time to t frames (pydiffres {@code AvgPool} / {@code AvgMaxPool}, PyTorch
 * {@code AdaptiveAvgPool1d} / {@code AdaptiveMaxPool1d}, reference-spec §0.3): output i covers input frames
 * {@code [⌊i·T/t⌋, ⌈(i+1)·T/t⌉)} and takes their mean, their max, or (avgmax) the sum of both, on the log values.
 *
 * <p>{@code energypool} (ours, no reference has it) averages in the power domain instead:
 * {@code log(mean(exp(x)) + 1e-12)} over the same windows. This is what DiffRes's {@code avg} channel computes
 * ({@code log(Wᵀ exp(X) + 1e-12)}) when every score is the uniform rate {@code t/T} and T is a multiple of t, so it
 * separates DiffRes's averaging domain from its learned resampling (BENCHMARKS §12p).
 *
 * <p>The windows are gathered into {@code [B, t, L, F]} (L = the longest window, shorter windows repeat their last
 * frame, which changes neither a max nor, being masked, a mean), so the op is a gather plus one reduction and is
 * differentiable.
 */
public final class AdaptivePooling extends FixedResolution {
    /** What a window is reduced to. */
    public enum Mode { AVG, MAX, AVGMAX, ENERGY }

    private final Mode mode;
    private final int bins;
    private final long[] index;
    private final float[] mask;
    private final float[] count;
    private final int width;

    public AdaptivePooling(Mode mode, int frames, int bins, double reduction) {
        super(frames, reduction);
        this.mode = mode;
        this.bins = bins;
        int[] start = new int[out];
        int[] end = new int[out];
        int w = 0;
        for (int i = 0; i < out; i++) {
            start[i] = window(i, frames, out)[0];
            end[i] = window(i, frames, out)[1];
            w = Math.max(w, end[i] - start[i]);
        }
        this.width = w;
        index = new long[out * w];
        mask = new float[out * w];
        count = new float[out];
        for (int i = 0; i < out; i++) {
            count[i] = end[i] - start[i];
            for (int k = 0; k < w; k++) {
                index[i * w + k] = Math.min(start[i] + k, end[i] - 1);
                mask[i * w + k] = start[i] + k < end[i] ? 1f : 0f;
            }
        }
    }

    /** PyTorch's adaptive window of output i: {@code [⌊i·T/t⌋, ⌈(i+1)·T/t⌉)}. */
    public static int[] window(int i, int frames, int out) {
        long s = (long) i * frames / out;
        long e = ((long) (i + 1) * frames + out - 1) / out;
        return new int[] {(int) s, (int) e};
    }

    @Override
    protected NDArray reduce(NDArray x) {
        long b = x.getShape().get(0);
        long f = x.getShape().get(2);
        NDArray g = x.get(new NDIndex(":, {}", x.getManager().create(index))).reshape(b, out, width, f);
        return switch (mode) {
            case AVG -> windowMean(g);
            case MAX -> g.max(new int[] {2});
            case AVGMAX -> windowMean(g).add(g.max(new int[] {2}));
            case ENERGY -> windowMean(g.exp()).add(DiffResOps.EPS).log();
        };
    }

    /** The mean of each window of the gathered {@code [B, t, L, F]} values (padding masked out): {@code [B, t, F]}. */
    private NDArray windowMean(NDArray g) {
        var m = g.getManager();
        return g.mul(m.create(mask, new Shape(1, out, width, 1))).sum(new int[] {2}).div(m.create(count, new Shape(1, out, 1)));
    }

    /**
     * Per output value: mean = window adds + one division; max = window comparisons; avgmax = both + one add; energy =
     * one exp per window element, the mean, one log per output (the ε add is not counted, as in DiffRes).
     */
    @Override
    public double flopsPerExample() {
        long windowSum = 0;
        for (float c : count) windowSum += (long) c;
        long avg = (windowSum + out) * bins;
        long max = windowSum * bins;
        return switch (mode) {
            case AVG -> FlopCount.elementwise("avgpool", avg, 1).total();
            case MAX -> FlopCount.elementwise("maxpool", max, 1).total();
            case AVGMAX -> FlopCount.elementwise("avgmaxpool", avg + max + (long) out * bins, 1).total();
            case ENERGY -> FlopCount.elementwise("energypool", windowSum * bins + avg + (long) out * bins, 1).total();
        };
    }

    @Override
    protected String name() {
        return mode.name().toLowerCase(Locale.ROOT) + "pool";
    }
}
