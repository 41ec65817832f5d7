package org.tempora.audio;

/**
 * Mono float samples handed out block by block, from the first sample to the last, once. {@link AudioStream}
 * (a decoding file) is one; {@link Resampler#open} turns one into another at a new rate. Not thread-safe.
 */
public interface SampleStream extends AutoCloseable {

    /** Samples per second. */
    int sampleRate();

    /**
     * Reads up to {@code len} samples into {@code buf[off..off+len)}.
     *
     * @return the number of samples written (at least 1 when {@code len > 0}), 0 when {@code len == 0},
     *         or -1 at the end
     * @throws org.tempora.InvalidInputException naming the source when the audio is bad
     */
    int read(float[] buf, int off, int len);

    /** Releases what the stream holds. Idempotent. */
    @Override
    void close();

    /** A stream over samples in memory (not copied). */
    static SampleStream of(float[] samples, int sampleRate) {
        return of(samples, samples.length, sampleRate);
    }

    /** A stream over the first {@code length} samples of an array (not copied). */
    static SampleStream of(float[] samples, int length, int sampleRate) {
        if (length < 0 || length > samples.length) throw new IllegalArgumentException("length " + length + " of " + samples.length);
        return new SampleStream() {
            private int pos;

            @Override
            public int sampleRate() {
                return sampleRate;
            }

            @Override
            public int read(float[] buf, int off, int len) {
                if (len == 0) return 0;
                if (pos >= length) return -1;
                int n = Math.min(len, length - pos);
                System.arraycopy(samples, pos, buf, off, n);
                pos += n;
                return n;
            }

            @Override
            public void close() {
                pos = length;
            }
        };
    }
}
