package org.tempora.data;

/**
 * A batch ready for the model: raw (un-normalised) log-mel features {@code x} laid out {@code [B, T, F]}
 * row-major, targets {@code y} {@code [B, C]} (one-hot, multi-hot, or soft after mixup), and the dataset
 * indices of the examples (for evaluation bookkeeping).
 */
public record Batch(float[] x, int size, int frames, int bins, float[] y, int classes, int[] indices) {
    public Batch {
        if (x.length != size * frames * bins) throw new IllegalArgumentException("x has " + x.length + " values, not " + size + "x" + frames + "x" + bins);
        if (y.length != size * classes) throw new IllegalArgumentException("y has " + y.length + " values, not " + size + "x" + classes);
    }
}
