package org.tempora.features;

import java.util.Objects;

/**
 * A time × frequency feature matrix, row-major: {@code data[frame * bins + bin]}. The layout is the one AST and
 * torchaudio use for fbank output ({@code [frames, mel_bins]}).
 */
public record Spectrogram(float[] data, int frames, int bins) {
    public Spectrogram {
        Objects.requireNonNull(data, "data");
        if (frames < 0 || bins <= 0 || (long) frames * bins != data.length) {
            throw new IllegalArgumentException("data of length " + data.length + " is not " + frames + " x " + bins);
        }
    }

    public float get(int frame, int bin) {
        return data[frame * bins + bin];
    }

    /** Copy of one frame (row). */
    public float[] frame(int f) {
        float[] row = new float[bins];
        System.arraycopy(data, f * bins, row, 0, bins);
        return row;
    }
}
