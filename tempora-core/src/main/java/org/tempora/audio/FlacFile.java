package org.tempora.audio;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.util.Objects;
import org.jflac.FLACDecoder;
import org.jflac.FrameListener;
import org.jflac.frame.Frame;
import org.jflac.metadata.Metadata;
import org.tempora.InvalidInputException;

/**
 * FLAC decoding with jflac (LGPL, used unmodified as a library), one frame at a time.
 *
 * <p>The metadata blocks are walked here, not by jflac: its parsers for PICTURE or VORBIS_COMMENT blocks trust
 * length fields and can allocate gigabytes on a corrupt file. jflac is handed a synthetic stream made of the magic,
 * the validated STREAMINFO block (marked as the last one) and the file's audio frames. jflac also silently skips
 * bad frames and zero-fills frames whose CRC fails; a frame listener turns each such report into an error instead.
 * jflac's one debug print is kept off standard output by {@link JflacStdoutGuard}.
 */
final class FlacFile {
    private FlacFile() {}

    /** jflac decodes into Java ints; 32-bit streams overflow its side-channel arithmetic, so we stop at 24. */
    static final int MAX_BITS = 24;
    private static final int STREAMINFO_LENGTH = 34;

    /** The validated STREAMINFO block and where the first audio frame starts. */
    record Header(AudioInfo info, int bitsPerSample, byte[] streamInfo, long firstFrameOffset, long totalSamples) {}

    /**
     * Parses the (optional ID3v2 tag,) {@code fLaC} magic and metadata blocks. {@code start} is where the
     * magic is (after an ID3v2 tag, if any).
     */
    static Header parse(FileChannel ch, long fileSize, long start, String src) throws IOException {
        long pos = start + 4;
        ByteBuffer blockHead = ByteBuffer.allocate(4);
        byte[] streamInfo = null;
        boolean last = false;
        while (!last) {
            blockHead.clear();
            if (Bytes.readAt(ch, blockHead, pos) < 4) {
                throw new InvalidInputException(src, "truncated header: file ends inside the FLAC metadata at byte " + pos);
            }
            int flagsType = blockHead.get(0) & 0xff;
            last = (flagsType & 0x80) != 0;
            int type = flagsType & 0x7f;
            int length = (blockHead.get(1) & 0xff) << 16 | (blockHead.get(2) & 0xff) << 8 | (blockHead.get(3) & 0xff);
            long body = pos + 4;
            if (streamInfo == null) {
                if (type != 0) {
                    throw new InvalidInputException(src, "FLAC stream does not start with a STREAMINFO block (type "
                            + type + ")");
                }
                if (length < STREAMINFO_LENGTH) {
                    throw new InvalidInputException(src, "FLAC STREAMINFO block too short (" + length
                            + " bytes, need 34)");
                }
                ByteBuffer si = ByteBuffer.allocate(STREAMINFO_LENGTH);
                if (Bytes.readAt(ch, si, body) < STREAMINFO_LENGTH) {
                    throw new InvalidInputException(src, "truncated header: file ends inside the FLAC STREAMINFO block");
                }
                streamInfo = si.array();
            } else if (type == 127) {
                throw new InvalidInputException(src, "invalid FLAC metadata block type 127 at byte " + pos);
            }
            if (body + length > fileSize) {
                throw new InvalidInputException(src, "FLAC metadata block at byte " + pos + " claims " + length
                        + " bytes but only " + (fileSize - body) + " bytes follow it in the file");
            }
            pos = body + length;
        }
        ByteBuffer si = ByteBuffer.wrap(streamInfo);
        long packed = si.getLong(10); // rate(20) channels-1(3) bits-1(5) total(36)
        int rate = (int) (packed >>> 44);
        int channels = (int) ((packed >>> 41) & 0x7) + 1;
        int bits = (int) ((packed >>> 36) & 0x1f) + 1;
        long total = packed & 0xFFFFFFFFFL;
        AudioReader.checkSampleRate(rate, src);
        if (bits < 4 || bits > MAX_BITS) {
            throw new InvalidInputException(src, "unsupported FLAC bit depth " + bits + " (supported: 4 to "
                    + MAX_BITS + ")");
        }
        if (pos >= fileSize) throw new InvalidInputException(src, "no audio samples (no FLAC frames after the metadata)");
        AudioInfo info = AudioInfo.of("FLAC", "FLAC " + bits + "-bit", rate, channels, bits, total == 0 ? -1 : total, src);
        return new Header(info, bits, streamInfo, pos, total);
    }

    /** Thrown by the frame listener to stop jflac at the first decoding error it reports. */
    private static final class DecodeError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DecodeError(String message) {
            super(message, null, false, false);
        }
    }

    /** Decodes frame by frame; keeps only the current frame (at most 65535 samples) as mono floats. */
    static final class Stream implements AudioStream {
        private final FileChannel ch;
        private final Header h;
        private final String src;
        private final boolean mix;
        private final int selected;
        private final double scale;
        private final FLACDecoder decoder;
        private float[] frameBuf = new float[4096];
        private int frameLen;
        private int framePos;
        private long decoded;
        private boolean ended;
        private boolean closed;

        Stream(FileChannel ch, Header h, ChannelMode mode) throws IOException {
            this.ch = ch;
            this.h = h;
            this.src = h.info().source();
            this.mix = mode.isMix();
            this.selected = mode.index();
            this.scale = 1.0 / (1L << (h.bitsPerSample() - 1));
            byte[] prefix = new byte[8 + STREAMINFO_LENGTH];
            prefix[0] = 'f';
            prefix[1] = 'L';
            prefix[2] = 'a';
            prefix[3] = 'C';
            prefix[4] = (byte) 0x80; // STREAMINFO, last metadata block
            prefix[7] = STREAMINFO_LENGTH;
            System.arraycopy(h.streamInfo(), 0, prefix, 8, STREAMINFO_LENGTH);
            ch.position(h.firstFrameOffset());
            InputStream frames = new BufferedInputStream(Channels.newInputStream(ch), 1 << 16);
            this.decoder = new FLACDecoder(new SequenceInputStream(new ByteArrayInputStream(prefix), frames));
            decoder.addFrameListener(new FrameListener() {
                @Override
                public void processMetadata(Metadata metadata) {}

                @Override
                public void processFrame(Frame frame) {}

                @Override
                public void processError(String msg) {
                    // a frame cut short by the end of the file is reported here too; let it end the stream and
                    // be caught by the sample count check instead
                    if (msg.contains("EOFException")) return;
                    throw new DecodeError(msg);
                }
            });
            try {
                JflacStdoutGuard.quietly(decoder::readMetadata);
            } catch (RuntimeException e) {
                throw new InvalidInputException(src, "corrupt FLAC stream (unreadable STREAMINFO)", e);
            }
        }

        @Override
        public AudioInfo info() {
            return h.info();
        }

        @Override
        public int read(float[] out, int off, int len) {
            if (closed) throw new IllegalStateException("stream is closed");
            Objects.checkFromIndexSize(off, len, out.length);
            if (len == 0) return 0;
            if (framePos == frameLen && !nextFrame()) return -1;
            int n = Math.min(len, frameLen - framePos);
            System.arraycopy(frameBuf, framePos, out, off, n);
            framePos += n;
            return n;
        }

        @Override
        public long skip(long frames) {
            if (closed) throw new IllegalStateException("stream is closed");
            long skipped = 0;
            while (skipped < frames) {
                if (framePos == frameLen && !nextFrame()) break;
                int n = (int) Math.min(frames - skipped, frameLen - framePos);
                framePos += n;
                skipped += n;
            }
            return skipped;
        }

        /** Decodes the next frame into {@code frameBuf}; false at the end of the stream. */
        private boolean nextFrame() {
            if (ended) return false;
            long total = h.totalSamples();
            if (total > 0 && decoded >= total) {
                // stop here: bytes after the last frame (e.g. an ID3v1 tag) must not be mistaken for frames
                ended = true;
                return false;
            }
            Frame frame;
            try {
                frame = JflacStdoutGuard.quietly(decoder::readNextFrame);
            } catch (DecodeError e) {
                throw corrupt(describe(e.getMessage()), null);
            } catch (IOException e) {
                // jflac reports what it cannot parse as an IOException too; a failing disk shows up when the header is read
                throw corrupt("undecodable frame", e);
            } catch (RuntimeException e) {
                // jflac trusts the fields of a frame it has not checked yet: out-of-range reads and the like
                throw corrupt("undecodable frame", e);
            }
            if (frame == null) {
                ended = true;
                if (total > 0 && decoded < total) {
                    throw new InvalidInputException(src, "truncated FLAC stream: it ends after " + decoded + " of "
                            + total + " samples");
                }
                if (decoded == 0) throw new InvalidInputException(src, "no audio samples (no FLAC frames)");
                return false;
            }
            var fh = frame.header;
            AudioInfo info = h.info();
            if (fh.channels != info.channels() || fh.bitsPerSample != h.bitsPerSample()
                    || fh.sampleRate != info.sampleRate()) {
                throw corrupt("frame format (" + fh.channels + " ch, " + fh.bitsPerSample + "-bit, " + fh.sampleRate
                        + " Hz) differs from STREAMINFO (" + info.channels() + " ch, " + h.bitsPerSample() + "-bit, "
                        + info.sampleRate() + " Hz)", null);
            }
            int n = fh.blockSize;
            if (total > 0 && decoded + n > total) {
                throw corrupt("frames hold more samples than STREAMINFO's " + total, null);
            }
            if (frameBuf.length < n) frameBuf = new float[n];
            var data = decoder.getChannelData();
            if (mix) {
                int channels = fh.channels;
                for (int i = 0; i < n; i++) {
                    long sum = 0;
                    for (int c = 0; c < channels; c++) sum += data[c].getOutput()[i];
                    frameBuf[i] = (float) (sum * scale / channels);
                }
            } else {
                int[] pcm = data[selected].getOutput();
                for (int i = 0; i < n; i++) frameBuf[i] = (float) (pcm[i] * scale);
            }
            decoded += n;
            frameLen = n;
            framePos = 0;
            return true;
        }

        private InvalidInputException corrupt(String what, Throwable cause) {
            return new InvalidInputException(src, "corrupt FLAC stream (" + what + " after sample " + decoded + ")", cause);
        }

        /**
         * jflac's error report in plain words. Its reports embed Java exception names ({@code ReadSubframe:
         * java.io.IOException: …}, {@code ZeroPaddingError: …}), which must not reach a user, so nothing of the report
         * is passed on verbatim.
         */
        static String describe(String jflacMessage) {
            String m = jflacMessage == null ? "" : jflacMessage;
            if (m.startsWith("CRC Error")) return "frame CRC mismatch";
            if (m.contains("LOST_SYNC") || m.contains("Stream Sync")) return "lost frame sync";
            if (m.startsWith("Found bad header") || m.startsWith("Bad Frame Header")) return "bad frame header";
            if (m.contains("Bad Subframe Type")) return "bad subframe type";
            if (m.startsWith("ZeroPaddingError")) return "non-zero padding bits";
            if (m.startsWith("ReadSubframe")) return "undecodable subframe";
            return "undecodable frame";
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only channel: nothing to lose
            }
        }
    }
}
