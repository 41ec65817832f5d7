package org.tempora.audio;

/**
 * A decoder that hands out mono float samples block by block, so that long files never need their raw bytes
 * or all their channels in memory. Obtain one from {@link AudioReader#open}. Not thread-safe.
 *
 * <p>Decoding errors surface as {@link org.tempora.InvalidInputException} from {@link #read} or
 * {@link #skip}, naming the file and the problem.
 */
public interface AudioStream extends SampleStream {

    /** The header information of the underlying file. */
    AudioInfo info();

    /** The file's sample rate. */
    @Override
    default int sampleRate() {
        return info().sampleRate();
    }

    /**
     * Decodes up to {@code len} mono samples into {@code buf[off..off+len)}.
     *
     * @return the number of samples written (at least 1 when {@code len > 0}), 0 when {@code len == 0},
     *         or -1 at the end of the audio
     */
    int read(float[] buf, int off, int len);

    /**
     * Skips up to {@code frames} frames (samples per channel).
     *
     * @return the number of frames actually skipped (fewer only at the end of the audio)
     */
    long skip(long frames);

    /** Releases the file. Idempotent. */
    @Override
    void close();
}
