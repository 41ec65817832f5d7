package org.tempora.resolution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * Uniform frame sampling (pydiffres {@code ChangeHopSize}, SimPF "uniform"): keeps the frames
 * {@code int(linspace(0, T−1, t))}, emulating a larger hop on already-computed features. The indices are computed
 * exactly, {@code ⌊i·(T−1)/(t−1)⌋} in integers. (The reference evaluates torch's float32 {@code linspace}, whose
 * vectorised kernel can round a position that is exactly an integer, which happens only when
 * {@code i·(T−1)/(t−1)} is one, down by one frame; tempora keeps the exact value.)
 */
public final class UniformSampling extends FixedResolution {
    private final long[] index;

    public UniformSampling(int frames, double reduction) {
        super(frames, reduction);
        index = indices(frames, out);
    }

    /** {@code ⌊i·(T−1)/(t−1)⌋} for i = 0..t−1 (0 for t = 1). */
    public static long[] indices(int frames, int out) {
        long[] idx = new long[out];
        for (int i = 0; i < out && out > 1; i++) idx[i] = (long) i * (frames - 1) / (out - 1);
        return idx;
    }

    public long[] indices() {
        return index.clone();
    }

    @Override
    protected NDArray reduce(NDArray x) {
        return x.get(new NDIndex(":, {}", x.getManager().create(index)));
    }

    /** Data movement only: 0 FLOPs. */
    @Override
    public double flopsPerExample() {
        return 0;
    }

    @Override
    protected String name() {
        return "uniform";
    }
}
