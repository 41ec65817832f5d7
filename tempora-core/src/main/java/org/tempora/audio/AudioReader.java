package org.tempora.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.tempora.InvalidInputException;
import org.tempora.io.AudioFiles;

/**
 * The single entry point for reading audio files: WAV (PCM 8/16/24/32-bit, IEEE float 32/64-bit, plain or
 * WAVE_FORMAT_EXTENSIBLE) and FLAC (via jflac). The format is detected from the file's first bytes, never from its
 * name. Samples come back as mono floats scaled exactly as {@code torchaudio.load} scales them (integer PCM divided
 * by 2^(bits-1), unsigned 8-bit as (x-128)/128, floats as stored).
 *
 * <p>Every problem with a file (missing, unreadable, malformed, unsupported, NaN samples…) is reported as an
 * {@link InvalidInputException} whose message names the file and the problem in one line. Asking for a channel
 * the file does not have is a {@link org.tempora.ConfigException}.
 */
public final class AudioReader {
    /** Lowest sample rate accepted. Below it a header is far more likely corrupt than real (telephony is 8 kHz). */
    public static final int MIN_SAMPLE_RATE = 1_000;
    /** Highest sample rate accepted (4 x 192 kHz, the top of what professional converters produce). */
    public static final int MAX_SAMPLE_RATE = 768_000;
    /** Longest clip {@link #read} loads into one array; longer files must be streamed with {@link #open}. */
    public static final long MAX_READ_SAMPLES = Integer.MAX_VALUE - 16;

    private AudioReader() {}

    /** Reads only the header (WAV chunks up to {@code data}, or FLAC metadata) and describes the file. */
    public static AudioInfo info(Path path) {
        try (AudioStream s = open(path, ChannelMode.FIRST)) {
            return s.info();
        }
    }

    /** Reads the whole file as mono, taking channel 0 as AST does ({@link ChannelMode#FIRST}). */
    public static Waveform read(Path path) {
        return read(path, ChannelMode.FIRST);
    }

    /** Reads the whole file as mono, combining channels as {@code mode} says. Built on {@link #open}. */
    public static Waveform read(Path path, ChannelMode mode) {
        try (AudioStream s = open(path, mode)) {
            AudioInfo info = s.info();
            long frames = info.frames();
            if (frames > MAX_READ_SAMPLES) {
                throw new InvalidInputException(info.source(), "too long to load at once (" + frames
                        + " samples); stream it with AudioReader.open");
            }
            // A WAV's frame count is bounded by its size and can be trusted; a FLAC header's cannot (a corrupt
            // one may claim billions of samples), so that array starts small and grows.
            int capacity = info.format().equals("WAV") ? (int) frames : (int) Math.min(frames < 0 ? 1 << 16 : frames, 1 << 20);
            float[] samples = new float[Math.max(capacity, 1)];
            int n = 0;
            while (true) {
                if (n == samples.length) {
                    if (n >= MAX_READ_SAMPLES) {
                        throw new InvalidInputException(info.source(), "too long to load at once; stream it with AudioReader.open");
                    }
                    samples = Arrays.copyOf(samples, (int) Math.min(MAX_READ_SAMPLES, 2L * n));
                }
                int got = s.read(samples, n, samples.length - n);
                if (got < 0) break;
                n += got;
            }
            if (n == 0) throw new InvalidInputException(info.source(), "no audio samples");
            if (n != samples.length) samples = Arrays.copyOf(samples, n);
            return new Waveform(samples, info.sampleRate(), info.source());
        }
    }

    /**
     * Opens a file for block-wise decoding into mono floats. The caller must close the stream. Header problems
     * are reported here; sample problems (NaN, corrupt FLAC frames) when the affected block is read.
     */
    public static AudioStream open(Path path, ChannelMode mode) {
        String src = String.valueOf(path);
        if (mode == null) throw new IllegalArgumentException("channel mode is null");
        FileChannel ch = openChannel(path, src);
        try {
            long size = ch.size();
            byte[] magic = new byte[12];
            int got = Bytes.readAt(ch, ByteBuffer.wrap(magic), 0);
            AudioStream stream;
            if (got >= 12 && Bytes.startsWith(magic, got, "RIFF") && magic[8] == 'W' && magic[9] == 'A'
                    && magic[10] == 'V' && magic[11] == 'E') {
                WavFile.Header h = WavFile.parse(ch, size, src);
                mode.checkAgainst(h.channels(), src);
                stream = new WavFile.Stream(ch, h, mode);
            } else if (Bytes.startsWith(magic, got, "fLaC") || Bytes.startsWith(magic, got, "ID3")) {
                long start = Bytes.startsWith(magic, got, "ID3") ? skipId3(ch, size, magic, got, src) : 0;
                FlacFile.Header h = FlacFile.parse(ch, size, start, src);
                mode.checkAgainst(h.info().channels(), src);
                stream = new FlacFile.Stream(ch, h, mode);
            } else {
                throw new InvalidInputException(src, unknownFormat(magic, got));
            }
            return stream;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new InvalidInputException(src, "read error: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Rejects rates no real recording has; they come from corrupt or hostile headers. */
    static void checkSampleRate(long rate, String src) {
        if (rate == 0) throw new InvalidInputException(src, "sample rate is 0 Hz");
        if (rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
            throw new InvalidInputException(src, "implausible sample rate " + rate + " Hz (supported: "
                    + MIN_SAMPLE_RATE + " to " + MAX_SAMPLE_RATE + " Hz)");
        }
    }

    private static FileChannel openChannel(Path path, String src) {
        // before opening: opening a FIFO blocks until something writes to it, and a device or folder is never audio
        String problem = AudioFiles.problem(path);
        if (problem != null) throw new InvalidInputException(src, problem);
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(src, "file not found");
        } catch (AccessDeniedException e) {
            throw new InvalidInputException(src, "cannot read file: permission denied");
        } catch (IOException | SecurityException e) {
            throw new InvalidInputException(src, "cannot open file: " + e.getMessage(), e);
        }
    }

    /** Skips an ID3v2 tag (some taggers put one before "fLaC") and returns where the FLAC magic must be. */
    private static long skipId3(FileChannel ch, long size, byte[] head, int got, String src) throws IOException {
        if (got < 10) throw new InvalidInputException(src, "truncated header: file ends inside an ID3v2 tag");
        long tagSize = 0;
        for (int i = 6; i < 10; i++) {
            if ((head[i] & 0x80) != 0) throw new InvalidInputException(src, "corrupt ID3v2 tag size");
            tagSize = tagSize << 7 | (head[i] & 0x7f);
        }
        long start = 10 + tagSize + ((head[5] & 0x10) != 0 ? 10 : 0);
        byte[] magic = new byte[4];
        if (start + 4 > size || Bytes.readAt(ch, ByteBuffer.wrap(magic), start) < 4
                || !Bytes.startsWith(magic, 4, "fLaC")) {
            throw new InvalidInputException(src, "not a WAV or FLAC file: an ID3v2 tag not followed by a FLAC stream"
                    + " (MP3 is not supported)");
        }
        return start;
    }

    private static String unknownFormat(byte[] magic, int got) {
        if (got == 0) return "empty file (0 bytes)";
        if (Bytes.isPrefixOf(magic, got, "RIFF") || Bytes.isPrefixOf(magic, got, "fLaC")
                || (got < 12 && Bytes.startsWith(magic, got, "RIFF"))) {
            return "truncated header: file is only " + got + " bytes long";
        }
        if (got >= 12 && Bytes.startsWith(magic, got, "RIFF")) {
            return "not a WAV file: RIFF form type is " + Bytes.fourcc(ByteBuffer.wrap(magic), 8) + ", not 'WAVE'";
        }
        if (Bytes.startsWith(magic, got, "RIFX")) return "big-endian RIFX WAV is not supported";
        if (Bytes.startsWith(magic, got, "RF64") || Bytes.startsWith(magic, got, "BW64")) {
            return "RF64/BW64 (64-bit WAV) is not supported";
        }
        if (Bytes.startsWith(magic, got, "OggS")) return "not a WAV or FLAC file: Ogg container is not supported";
        return "not a WAV or FLAC file (starts with bytes " + Bytes.hex(magic, 0, Math.min(got, 4), " ") + ")";
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing with a more useful error
        }
    }
}
