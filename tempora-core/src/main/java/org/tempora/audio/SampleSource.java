package org.tempora.audio;

import java.nio.file.Path;
import java.util.Objects;
import org.tempora.InvalidInputException;

/**
 * Mono audio that can be read from its start as many times as needed, without holding it in memory: a file
 * (decoded block by block on every {@link #open}), a segment of one, or a waveform already in memory. This is what
 * the streaming front-end reads ({@link org.tempora.features.LogMelStream}), which makes two passes over the audio.
 */
public interface SampleSource {

    /** What error messages name: the file path, or the waveform's source. */
    String name();

    /** A new stream from the first sample. @throws InvalidInputException naming the source */
    SampleStream open();

    /** Number of samples, by reading the whole stream once (bounded memory). */
    default long count() {
        try (SampleStream s = open()) {
            float[] buf = new float[1 << 14];
            long n = 0;
            for (int got; (got = s.read(buf, 0, buf.length)) >= 0; ) n += got;
            return n;
        }
    }

    /** The same audio resampled to {@code rate} as it is read ({@link Resampler#open}); this source at that rate as it is. */
    default SampleSource at(int rate) {
        SampleSource self = this;
        return new SampleSource() {
            @Override
            public String name() {
                return self.name();
            }

            @Override
            public SampleStream open() {
                SampleStream in = self.open();
                if (in.sampleRate() == rate) return in;
                try {
                    return Resampler.of(in.sampleRate(), rate).open(in);
                } catch (RuntimeException | Error e) {
                    in.close();
                    throw e;
                }
            }
        };
    }

    /**
     * Reads this source once: if it has at most {@code maxSamples} samples they are returned as a source in memory
     * (later passes cost nothing), otherwise this source itself (later passes read it again).
     */
    default SampleSource buffered(int maxSamples) {
        try (SampleStream s = open()) {
            float[] buf = new float[Math.max(1, Math.min(maxSamples, 1 << 16))];
            int n = 0;
            while (true) {
                if (n == buf.length) {
                    if (n >= maxSamples) return this;
                    buf = java.util.Arrays.copyOf(buf, (int) Math.min(maxSamples, 2L * n));
                }
                int got = s.read(buf, n, buf.length - n);
                if (got < 0) break;
                n += got;
            }
            return of(new Waveform(java.util.Arrays.copyOf(buf, n), s.sampleRate(), name()));
        }
    }

    /** A waveform in memory. */
    static SampleSource of(Waveform w) {
        Objects.requireNonNull(w, "waveform");
        return new SampleSource() {
            @Override
            public String name() {
                return w.source();
            }

            @Override
            public SampleStream open() {
                return SampleStream.of(w.samples(), w.sampleRate());
            }
        };
    }

    /**
     * A file, decoded with the given channel selection on each {@link #open}, as {@link AudioReader#read(Path,
     * ChannelMode)} would read it (a file without samples is an error, as there).
     */
    static SampleSource file(Path file, ChannelMode mode) {
        return segment(file, mode, 0, -1);
    }

    /**
     * Samples {@code [offset, offset + length)} of a file ({@code length} −1: to the end). A segment that does not
     * lie inside the file is an error naming the file, found while reading.
     */
    static SampleSource segment(Path file, ChannelMode mode, long offset, long length) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(mode, "channel mode");
        boolean whole = offset == 0 && length < 0;
        String name = whole ? file.toString() : file + "[" + offset + ":" + (offset + length) + "]";
        return new SampleSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public SampleStream open() {
                if (offset < 0) throw outside(file, offset, length, 0);
                AudioStream s = AudioReader.open(file, mode);
                try {
                    long skipped = offset == 0 ? 0 : s.skip(offset);
                    if (skipped < offset) throw outside(file, offset, length, skipped);
                    return new Limited(s, file, offset, length);
                } catch (RuntimeException | Error e) {
                    s.close();
                    throw e;
                }
            }
        };
    }

    private static InvalidInputException outside(Path file, long offset, long length, long fileSamples) {
        return new InvalidInputException(file, "segment [" + offset + ", " + (offset + length)
                + ") is outside the file's " + fileSamples + " samples");
    }

    /** A decoding file stream cut to a segment, checking that the file holds what was asked for. */
    final class Limited implements SampleStream {
        private final AudioStream in;
        private final Path file;
        private final long offset;
        private final long length;
        private long read;

        private Limited(AudioStream in, Path file, long offset, long length) {
            this.in = in;
            this.file = file;
            this.offset = offset;
            this.length = length;
        }

        @Override
        public int sampleRate() {
            return in.sampleRate();
        }

        @Override
        public int read(float[] buf, int off, int len) {
            if (len == 0) return 0;
            int want = length < 0 ? len : (int) Math.min(len, length - read);
            if (want <= 0) return -1;
            int got = in.read(buf, off, want);
            if (got < 0) {
                if (read == 0 && length < 0) throw new InvalidInputException(in.info().source(), "no audio samples");
                if (length >= 0) throw outside(file, offset, length, offset + read);
                return -1;
            }
            read += got;
            return got;
        }

        @Override
        public void close() {
            in.close();
        }
    }
}
