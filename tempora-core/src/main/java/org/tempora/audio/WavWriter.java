package org.tempora.audio;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.tempora.InvalidInputException;
import org.tempora.OutputException;
import org.tempora.io.AtomicFiles;

/**
 * Writes WAV files as 16-bit PCM or 32-bit IEEE float, mono or multi-channel, atomically (a reader never sees a
 * half-written file). Used by tests, the synthetic dataset and demos.
 *
 * <p>Mono and stereo files use the plain WAVE_FORMAT_PCM / WAVE_FORMAT_IEEE_FLOAT header every tool reads; more
 * than two channels use WAVE_FORMAT_EXTENSIBLE (channel mask 0 = "no speaker positions"), as the format requires.
 * Float files carry the {@code fact} chunk the spec asks for non-PCM data.
 */
public final class WavWriter {
    private WavWriter() {}

    /** Sample encoding of the written file. */
    public enum Encoding {
        /**
         * Signed 16-bit PCM: {@code round(x * 32768)} clamped to [-32768, 32767], so values read from a 16-bit file
         * are written back bit for bit; |x| >= 1 clips.
         */
        PCM_16(16, WavFile.WAVE_FORMAT_PCM),
        /** 32-bit IEEE float, stored as is (no clipping). */
        FLOAT_32(32, WavFile.WAVE_FORMAT_IEEE_FLOAT);

        final int bits;
        final int tag;

        Encoding(int bits, int tag) {
            this.bits = bits;
            this.tag = tag;
        }
    }

    /** Writes a mono waveform. */
    public static void write(Path path, Waveform waveform, Encoding encoding) {
        write(path, new float[][] {waveform.samples()}, waveform.sampleRate(), encoding);
    }

    /**
     * Writes {@code channels[c][i]} (one array per channel, all of the same length) interleaved.
     *
     * @throws InvalidInputException if a sample is NaN or infinite (naming {@code path})
     * @throws OutputException       if the file cannot be written
     */
    public static void write(Path path, float[][] channels, int sampleRate, Encoding encoding) {
        String src = String.valueOf(path);
        check(channels, sampleRate, src);
        try {
            AtomicFiles.write(path, out -> writeChecked(out, channels, sampleRate, encoding));
        } catch (IOException e) {
            throw new OutputException(path, e);
        }
    }

    /** Writes a complete WAV file to {@code out} (not closed). */
    public static void write(OutputStream out, float[][] channels, int sampleRate, Encoding encoding) throws IOException {
        check(channels, sampleRate, "WAV output");
        writeChecked(out, channels, sampleRate, encoding);
    }

    private static void writeChecked(OutputStream out, float[][] channels, int sampleRate, Encoding encoding)
            throws IOException {
        int nch = channels.length;
        long frames = channels[0].length;
        int bytes = encoding.bits / 8;
        long dataBytes = frames * nch * bytes;
        boolean extensible = nch > 2;
        boolean isFloat = encoding == Encoding.FLOAT_32;
        int fmtSize = extensible ? 40 : isFloat ? 18 : 16;
        int factSize = isFloat ? 12 : 0;
        long riffSize = 4 + (8 + fmtSize) + factSize + 8 + dataBytes + (dataBytes & 1);
        if (riffSize > 0xFFFFFFFFL) throw new IllegalArgumentException("WAV data over 4 GiB: " + dataBytes + " bytes");

        ByteBuffer h = ByteBuffer.allocate(12 + 8 + fmtSize + factSize + 8).order(ByteOrder.LITTLE_ENDIAN);
        h.put(ascii("RIFF")).putInt((int) riffSize).put(ascii("WAVE"));
        h.put(ascii("fmt ")).putInt(fmtSize);
        h.putShort((short) (extensible ? WavFile.WAVE_FORMAT_EXTENSIBLE : encoding.tag));
        h.putShort((short) nch).putInt(sampleRate).putInt(sampleRate * nch * bytes);
        h.putShort((short) (nch * bytes)).putShort((short) encoding.bits);
        if (extensible) {
            h.putShort((short) 22).putShort((short) encoding.bits).putInt(0);
            h.putShort((short) encoding.tag).put(WavFile.GUID_SUFFIX);
        } else if (isFloat) {
            h.putShort((short) 0);
        }
        if (isFloat) h.put(ascii("fact")).putInt(4).putInt((int) frames);
        h.put(ascii("data")).putInt((int) dataBytes);
        out.write(h.array(), 0, h.position());

        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            for (float[] channel : channels) {
                if (b.remaining() < 4) {
                    out.write(b.array(), 0, b.position());
                    b.clear();
                }
                float v = channel[i];
                if (isFloat) {
                    b.putFloat(v);
                } else {
                    b.putShort((short) Math.max(-32768, Math.min(32767, Math.round(v * 32768.0))));
                }
            }
        }
        if ((dataBytes & 1) != 0) b.put((byte) 0);
        out.write(b.array(), 0, b.position());
    }

    private static void check(float[][] channels, int sampleRate, String src) {
        if (channels.length == 0) throw new IllegalArgumentException("no channels to write");
        if (channels.length > 65535) throw new IllegalArgumentException("too many channels: " + channels.length);
        if (sampleRate <= 0) throw new IllegalArgumentException("sample rate must be positive: " + sampleRate);
        int n = channels[0].length;
        for (int c = 0; c < channels.length; c++) {
            if (channels[c].length != n) {
                throw new IllegalArgumentException("channel " + c + " has " + channels[c].length
                        + " samples, channel 0 has " + n);
            }
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(channels[c][i])) {
                    throw new InvalidInputException(src, "cannot write sample " + i + " (channel " + c + "): it is "
                            + channels[c][i]);
                }
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
