package org.tempora.train.phases;

import ai.djl.ndarray.NDArray;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.eval.FlopCount;
import org.tempora.resolution.FixedResolution;

/**
 * The paper's "Pool" compression: average or max pooling along time with kernel = stride = C and no padding, before
 * the spectrogram is tokenised ({@code avg[i,j] = (1/C) Σ_n X[i, C·j+n]}, {@code max[i,j] = max_n X[i, C·j+n]}).
 * T frames become {@code ⌊T/C⌋}; the last {@code T mod C} frames are dropped, as PyTorch's pooling does.
 *
 * <p>It is a parameter-free {@link FixedResolution} (the same base as the resolution baselines, with t = ⌊T/C⌋ instead
 * of int(T·(1−δ))), so a coarse phase's {@code TemporaModel} can host it. The model
 * normalises after the stage; pooling commutes with that increasing affine map, so this equals pooling the
 * normalised spectrogram.
 */
public final class TimePooling extends FixedResolution {
    /** Which reduction. */
    public enum Kind { AVG, MAX }

    private final Kind kind;
    private final int factor;
    private final int bins;

    /**
     * @param frames input frames T (≥ factor)
     * @param bins   mel bins F
     */
    public TimePooling(Kind kind, int factor, int frames, int bins) {
        super(frames, pooledFrames(factor, frames, bins));
        this.kind = kind;
        this.factor = factor;
        this.bins = bins;
    }

    private static int pooledFrames(int factor, int frames, int bins) {
        if (factor < 1) throw new ConfigException("pooling factor must be >= 1, got " + factor);
        if (frames < factor) throw new ConfigException("cannot pool " + frames + " frames by " + factor);
        if (bins < 1) throw new ConfigException("mel bins must be >= 1, got " + bins);
        return frames / factor;
    }

    public Kind kind() {
        return kind;
    }

    public int factor() {
        return factor;
    }

    /** {@code [B, T, F]} → {@code [B, ⌊T/C⌋, F]} (the base class checks T and adds the channel axis). */
    @Override
    protected NDArray reduce(NDArray logMel) {
        long[] s = logMel.getShape().getShape();
        if (s[2] != bins) {
            throw new InvalidInputException("TimePooling", "expects [B, " + frames + ", " + bins + "] but got " + logMel.getShape());
        }
        int t = outputFrames();
        NDArray x = t * factor == frames ? logMel : logMel.get(":, 0:" + (t * factor) + ", :");
        NDArray grouped = x.reshape(s[0], t, factor, bins);
        return kind == Kind.AVG ? grouped.mean(new int[] {2}) : grouped.max(new int[] {2});
    }

    @Override
    protected String name() {
        return kind == Kind.AVG ? "avgpool" : "maxpool";
    }

    /** The same pooling on one example {@code [T, F]} in plain Java (row-major), giving {@code [⌊T/C⌋, F]}. */
    public static float[] apply(float[] x, int frames, int bins, Kind kind, int factor) {
        if (x.length != frames * bins) throw new InvalidInputException("TimePooling", "expects " + frames * bins + " values, got " + x.length);
        int t = frames / factor;
        float[] out = new float[t * bins];
        for (int j = 0; j < t; j++) {
            for (int f = 0; f < bins; f++) {
                double acc = kind == Kind.AVG ? 0 : Double.NEGATIVE_INFINITY;
                for (int n = 0; n < factor; n++) {
                    float v = x[(j * factor + n) * bins + f];
                    acc = kind == Kind.AVG ? acc + v : Math.max(acc, v);
                }
                out[j * bins + f] = (float) (kind == Kind.AVG ? acc / factor : acc);
            }
        }
        return out;
    }

    @Override
    public boolean[] logMelChannels() {
        return new boolean[] {true};
    }

    /** Per output value: C − 1 additions and one scale (avg), or C − 1 comparisons (max). */
    @Override
    public double flopsPerExample() {
        return flops().total();
    }

    public FlopCount flops() {
        long outputs = (long) outputFrames() * bins;
        return kind == Kind.AVG ? FlopCount.elementwise("avgpool", outputs, factor) : FlopCount.elementwise("maxpool", outputs, factor - 1L);
    }

    @Override
    public String describe() {
        return (kind == Kind.AVG ? "avgpool" : "maxpool") + " ×" + factor + " along time";
    }
}
