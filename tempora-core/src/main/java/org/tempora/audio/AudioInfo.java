package org.tempora.audio;

/**
 * What an audio file's header says, read without decoding the samples.
 *
 * @param format         container: {@code "WAV"} or {@code "FLAC"}
 * @param encoding       how samples are stored, e.g. {@code "PCM signed 16-bit"}, {@code "IEEE float 32-bit"},
 *                       {@code "PCM unsigned 8-bit"}, {@code "FLAC 24-bit"}
 * @param sampleRate     samples per second per channel, in Hz
 * @param channels       number of interleaved channels (at least 1)
 * @param bitsPerSample  bits of one stored sample (the container size for WAV, e.g. 32 for 24-in-32 EXTENSIBLE;
 *                       the valid bits then appear in {@code encoding})
 * @param frames         samples per channel, or -1 when the header does not say (a streamed FLAC)
 * @param durationSeconds {@code frames / sampleRate}, or -1 when {@code frames} is unknown
 * @param source         the file the information comes from
 */
public record AudioInfo(
        String format,
        String encoding,
        int sampleRate,
        int channels,
        int bitsPerSample,
        long frames,
        double durationSeconds,
        String source) {

    /** Builds the record, deriving the duration from frames and rate. */
    static AudioInfo of(String format, String encoding, int sampleRate, int channels, int bitsPerSample,
                        long frames, String source) {
        double duration = frames < 0 ? -1 : frames / (double) sampleRate;
        return new AudioInfo(format, encoding, sampleRate, channels, bitsPerSample, frames, duration, source);
    }
}
