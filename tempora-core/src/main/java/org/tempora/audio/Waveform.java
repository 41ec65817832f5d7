package org.tempora.audio;

import java.util.Objects;

/**
 * A mono float waveform: samples in [-1, 1) (integer PCM is scaled by 1/2^(bits-1), as torchaudio.load does),
 * its sample rate in Hz, and the name of where it came from (a file path, or a description for generated audio).
 */
public record Waveform(float[] samples, int sampleRate, String source) {
    public Waveform {
        Objects.requireNonNull(samples, "samples");
        Objects.requireNonNull(source, "source");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive: " + sampleRate);
        }
    }

    public int length() {
        return samples.length;
    }

    public double durationSeconds() {
        return samples.length / (double) sampleRate;
    }
}
