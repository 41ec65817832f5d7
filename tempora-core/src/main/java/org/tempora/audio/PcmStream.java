package org.tempora.audio;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.tempora.InvalidInputException;

/**
 * A live stream of 16-bit little-endian mono PCM, for {@link org.tempora.api.AudioClassifier#stream}: raw samples at a
 * rate the caller states (what {@code arecord -t raw} writes), or a WAV stream whose header says its rate (what
 * {@code arecord -f S16_LE -c 1} or a recorder writing a file as it goes produce). A WAV stream's data length is
 * ignored: recorders write a placeholder until they finish, so the samples run to the end of the stream.
 *
 * @param pcm  the samples, positioned after any header
 * @param rate samples per second
 * @param wav  whether a WAV header was found
 */
public record PcmStream(InputStream pcm, int rate, boolean wav) {
    /**
     * Looks at the start of {@code in}: a RIFF/WAVE header is read up to its data chunk (it must say 16-bit PCM, one
     * channel); anything else is raw PCM at {@code rawRate}.
     *
     * @param rawRate the rate of raw PCM; ≤ 0 when the caller does not know it (raw PCM is then refused)
     * @param name    what error messages call the stream
     * @throws InvalidInputException naming the stream: a WAV that is not 16-bit mono PCM, a truncated header, raw PCM
     *                               without a rate
     */
    public static PcmStream open(InputStream in, int rawRate, String name) {
        BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
        try {
            b.mark(12);
            byte[] head = b.readNBytes(12);
            boolean wav = head.length == 12 && ascii(head, 0).equals("RIFF") && ascii(head, 8).equals("WAVE");
            if (!wav) {
                b.reset();
                if (rawRate < 1) throw new InvalidInputException(name, "raw PCM needs its sample rate (no WAV header found)");
                return new PcmStream(b, rawRate, false);
            }
            int rate = -1;
            while (true) {
                byte[] chunk = b.readNBytes(8);
                if (chunk.length < 8) throw new InvalidInputException(name, "the WAV header ends before its data chunk");
                String id = ascii(chunk, 0);
                long size = ByteBuffer.wrap(chunk, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
                if (id.equals("fmt ")) {
                    if (size < 16) throw new InvalidInputException(name, "the WAV fmt chunk has " + size + " bytes, fewer than 16");
                    byte[] fmt = b.readNBytes((int) size + (int) (size & 1));
                    if (fmt.length < size) throw new InvalidInputException(name, "the WAV header ends inside its fmt chunk");
                    ByteBuffer f = ByteBuffer.wrap(fmt).order(ByteOrder.LITTLE_ENDIAN);
                    int format = f.getShort(0) & 0xffff;
                    int channels = f.getShort(2) & 0xffff;
                    rate = f.getInt(4);
                    int bits = f.getShort(14) & 0xffff;
                    if (format == 0xFFFE && size >= 26) format = f.getShort(24) & 0xffff; // WAVE_FORMAT_EXTENSIBLE's sub-format
                    if (format != 1 || bits != 16 || channels != 1) {
                        throw new InvalidInputException(name, "a WAV stream must be 16-bit PCM with one channel; this one has format "
                                + format + ", " + bits + " bits, " + channels + " channels");
                    }
                    if (rate < 1) throw new InvalidInputException(name, "the WAV header gives a sample rate of " + rate);
                } else if (id.equals("data")) {
                    if (rate < 0) throw new InvalidInputException(name, "the WAV data chunk comes before its fmt chunk");
                    return new PcmStream(b, rate, true);
                } else {
                    long skip = size + (size & 1);
                    if (skip(b, skip) < skip) throw new InvalidInputException(name, "the WAV header ends inside its '" + id.strip() + "' chunk");
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException(name, "cannot read: " + e.getMessage(), e);
        }
    }

    private static long skip(InputStream in, long n) throws IOException {
        long done = 0;
        while (done < n) {
            long s = in.skip(n - done);
            if (s <= 0) {
                if (in.read() < 0) break;
                s = 1;
            }
            done += s;
        }
        return done;
    }

    private static String ascii(byte[] b, int off) {
        return new String(b, off, 4, StandardCharsets.US_ASCII);
    }
}
