package org.tempora.audio;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Map;
import java.util.Objects;
import org.tempora.InvalidInputException;

/**
 * RIFF/WAVE parsing and block-wise decoding. The header is validated completely before any sample is decoded, so
 * every structural problem is reported by {@link AudioReader#info} already; only NaN/Inf samples in float files
 * surface while decoding.
 */
final class WavFile {
    private WavFile() {}

    static final int WAVE_FORMAT_PCM = 1;
    static final int WAVE_FORMAT_IEEE_FLOAT = 3;
    static final int WAVE_FORMAT_EXTENSIBLE = 0xFFFE;

    /** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE GUID built from a plain format tag (…-0000-0010-8000-00AA00389B71). */
    static final byte[] GUID_SUFFIX = {
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71
    };

    /** The fmt chunk is read up to this many bytes; anything beyond (vendor extras) is ignored. */
    private static final int FMT_READ_LIMIT = 40;

    /** Names of encodings people actually meet in WAV files, so errors can say what the file is. */
    private static final Map<Integer, String> ENCODING_NAMES = Map.ofEntries(
            Map.entry(0x0000, "unknown/invalid"),
            Map.entry(0x0002, "MS-ADPCM"),
            Map.entry(0x0006, "A-law"),
            Map.entry(0x0007, "mu-law"),
            Map.entry(0x0011, "IMA-ADPCM"),
            Map.entry(0x0022, "TrueSpeech"),
            Map.entry(0x0031, "GSM 6.10"),
            Map.entry(0x0040, "G.721 ADPCM"),
            Map.entry(0x0050, "MPEG"),
            Map.entry(0x0055, "MPEG Layer 3 (MP3)"),
            Map.entry(0x0092, "Dolby AC-3 SPDIF"),
            Map.entry(0x00FF, "AAC"),
            Map.entry(0x0160, "WMA v1"),
            Map.entry(0x0161, "WMA v2"),
            Map.entry(0x1610, "MPEG-4 AAC (ADTS)"),
            Map.entry(0x2000, "AC-3"),
            Map.entry(0xF1AC, "FLAC"));

    /** How one stored sample is laid out. */
    enum SampleType {
        U8(1, false), S16(2, false), S24(3, false), S32(4, false), F32(4, true), F64(8, true);

        final int bytes;
        final boolean isFloat;

        SampleType(int bytes, boolean isFloat) {
            this.bytes = bytes;
            this.isFloat = isFloat;
        }
    }

    /** A fully validated header: where the samples are and how to decode them. */
    record Header(AudioInfo info, SampleType type, int channels, int blockAlign, long dataOffset, long frames) {}

    /** Walks the chunks of a file known to start with RIFF....WAVE and validates {@code fmt } and {@code data}. */
    static Header parse(FileChannel ch, long fileSize, String src) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer fmt = null;
        long fmtSize = 0;
        long dataOffset = -1;
        long dataBytes = 0;
        long pos = 12;
        while (pos < fileSize) {
            head.clear();
            if (Bytes.readAt(ch, head, pos) < 8) {
                if (fmt != null && dataOffset >= 0) break;
                throw new InvalidInputException(src, "truncated header: file ends inside a chunk header at byte " + pos);
            }
            String id = Bytes.fourcc(head, 0); // quoted when printable: 'fmt ', 'data', 'LIST'
            long size = Bytes.u32(head, 4);
            long body = pos + 8;
            long available = fileSize - body;
            if (id.equals("'fmt '")) {
                if (fmt != null) throw new InvalidInputException(src, "two fmt chunks (second at byte " + pos + ")");
                if (size < 16) {
                    throw new InvalidInputException(src, "fmt chunk too short (" + size + " bytes, need at least 16)");
                }
                if (available < Math.min(size, FMT_READ_LIMIT)) {
                    throw new InvalidInputException(src, "truncated header: file ends inside the fmt chunk");
                }
                fmtSize = size;
                fmt = ByteBuffer.allocate((int) Math.min(size, FMT_READ_LIMIT)).order(ByteOrder.LITTLE_ENDIAN);
                Bytes.readFullyAt(ch, fmt, body);
                if (size > available) {
                    throw new InvalidInputException(src, "fmt chunk claims " + size + " bytes but only " + available
                            + " bytes follow it in the file");
                }
            } else if (id.equals("'data'")) {
                if (dataOffset >= 0) throw new InvalidInputException(src, "two data chunks (second at byte " + pos + ")");
                dataOffset = body;
                if (size == 0xFFFFFFFFL) {
                    // the placeholder that streaming writers leave when they cannot seek back: "up to end of file"
                    dataBytes = available;
                } else if (size > available) {
                    throw new InvalidInputException(src, "data chunk claims " + size + " bytes but only " + available
                            + " bytes follow it in the file (truncated or corrupt)");
                } else {
                    dataBytes = size;
                }
                if (fmt != null) break;
                if (size == 0xFFFFFFFFL) break; // "to end of file" before any fmt: nothing can follow
            } else if (size > available && (fmt == null || dataOffset < 0)) {
                throw new InvalidInputException(src, "chunk " + id + " at byte " + pos + " claims " + size
                        + " bytes but only " + available + " bytes follow it in the file");
            }
            pos = body + size + (size & 1); // chunks are word-aligned: odd sizes carry one pad byte
        }
        if (fmt == null) throw new InvalidInputException(src, "no fmt chunk (not a valid WAV file)");
        if (dataOffset < 0) throw new InvalidInputException(src, "no data chunk (not a valid WAV file)");
        return describe(fmt, fmtSize, dataOffset, dataBytes, src);
    }

    /** Validates the fmt chunk and derives the sample layout. */
    private static Header describe(ByteBuffer fmt, long fmtSize, long dataOffset, long dataBytes, String src) {
        int tag = Bytes.u16(fmt, 0);
        int channels = Bytes.u16(fmt, 2);
        long rate = Bytes.u32(fmt, 4);
        int blockAlign = Bytes.u16(fmt, 12);
        int bits = Bytes.u16(fmt, 14);
        int validBits = bits;
        boolean extensible = tag == WAVE_FORMAT_EXTENSIBLE;
        if (extensible) {
            if (fmtSize < 40) {
                throw new InvalidInputException(src, "fmt chunk too short for WAVE_FORMAT_EXTENSIBLE (" + fmtSize
                        + " bytes, need 40)");
            }
            int cbSize = Bytes.u16(fmt, 16);
            if (cbSize < 22) {
                throw new InvalidInputException(src, "WAVE_FORMAT_EXTENSIBLE fmt has cbSize " + cbSize + ", need 22");
            }
            validBits = Bytes.u16(fmt, 18);
            byte[] guid = new byte[16];
            fmt.get(24, guid);
            for (int i = 0; i < GUID_SUFFIX.length; i++) {
                if (guid[2 + i] != GUID_SUFFIX[i]) {
                    throw new InvalidInputException(src, "unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID "
                            + formatGuid(guid));
                }
            }
            tag = Bytes.u16(fmt, 24);
        }
        if (channels == 0) throw new InvalidInputException(src, "channel count is 0");
        AudioReader.checkSampleRate(rate, src);
        String where = extensible ? "EXTENSIBLE sub-format " + tag : "format tag " + tag;
        SampleType type;
        String encoding;
        if (tag == WAVE_FORMAT_PCM) {
            type = switch (bits) {
                case 8 -> SampleType.U8;
                case 16 -> SampleType.S16;
                case 24 -> SampleType.S24;
                case 32 -> SampleType.S32;
                default -> throw new InvalidInputException(src, "unsupported PCM bit depth " + bits
                        + " (supported: 8, 16, 24, 32-bit containers)");
            };
            encoding = bits == 8 ? "PCM unsigned 8-bit" : "PCM signed " + bits + "-bit";
        } else if (tag == WAVE_FORMAT_IEEE_FLOAT) {
            type = switch (bits) {
                case 32 -> SampleType.F32;
                case 64 -> SampleType.F64;
                default -> throw new InvalidInputException(src, "unsupported IEEE float bit depth " + bits
                        + " (supported: 32, 64)");
            };
            encoding = "IEEE float " + bits + "-bit";
        } else {
            String name = ENCODING_NAMES.get(tag);
            throw new InvalidInputException(src, name != null
                    ? "unsupported WAV encoding " + name + " (" + where + ")"
                    : "unsupported WAV encoding: unknown " + where + String.format(" (0x%04X)", tag));
        }
        if (extensible) {
            // validBits says how many of the container's bits carry signal. Samples are left-justified, so scaling
            // by the container size gives the same value as scaling the valid bits; 0 means "all of them".
            if (validBits == 0) validBits = bits;
            if (validBits > bits) {
                throw new InvalidInputException(src, "valid bits per sample (" + validBits + ") exceed the "
                        + bits + "-bit container");
            }
            if (validBits < bits) encoding += " (" + validBits + " valid bits)";
        }
        int expectedAlign = channels * type.bytes;
        if (blockAlign != expectedAlign) {
            throw new InvalidInputException(src, "block align " + blockAlign + " does not match " + channels
                    + " channel(s) x " + type.bytes + " bytes per sample (expected " + expectedAlign + ")");
        }
        long frames = dataBytes / blockAlign; // a trailing partial frame is ignored, as libsndfile does
        if (frames == 0) throw new InvalidInputException(src, "no audio samples (the data chunk is empty)");
        AudioInfo info = AudioInfo.of("WAV", encoding, (int) rate, channels, bits, frames, src);
        return new Header(info, type, channels, blockAlign, dataOffset, frames);
    }

    private static String formatGuid(byte[] g) {
        ByteBuffer b = ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN);
        return String.format("{%08X-%04X-%04X-%s-%s}", b.getInt(0), b.getShort(4), b.getShort(6),
                Bytes.hex(g, 8, 2, ""), Bytes.hex(g, 10, 6, ""));
    }

    /** Decodes the data chunk block by block into mono floats. */
    static final class Stream implements AudioStream {
        /** Raw bytes read per block: large enough for throughput, small enough to never matter for memory. */
        static final int BLOCK_BYTES = 1 << 16;

        private final FileChannel ch;
        private final Header h;
        private final String src;
        private final boolean mix;
        private final int selected;
        private final ByteBuffer buf;
        private final int framesPerBlock;
        private long frame;
        private boolean closed;

        Stream(FileChannel ch, Header h, ChannelMode mode) {
            this.ch = ch;
            this.h = h;
            this.src = h.info().source();
            this.mix = mode.isMix();
            this.selected = mode.index();
            this.framesPerBlock = Math.max(1, BLOCK_BYTES / h.blockAlign());
            this.buf = ByteBuffer.allocate(framesPerBlock * h.blockAlign()).order(ByteOrder.LITTLE_ENDIAN);
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
            long left = h.frames() - frame;
            if (left <= 0) return -1;
            int n = (int) Math.min(Math.min(len, left), framesPerBlock);
            buf.clear().limit(n * h.blockAlign());
            try {
                Bytes.readFullyAt(ch, buf, h.dataOffset() + frame * h.blockAlign());
            } catch (EOFException e) {
                throw new InvalidInputException(src, "file ended inside the data chunk at sample " + frame
                        + " (was it truncated while being read?)");
            } catch (IOException e) {
                throw new InvalidInputException(src, "read error: " + e.getMessage(), e);
            }
            decode(n, out, off);
            frame += n;
            return n;
        }

        private void decode(int n, float[] out, int off) {
            SampleType t = h.type();
            int channels = h.channels();
            int align = h.blockAlign();
            if (!t.isFloat && !mix) {
                int shift = selected * t.bytes;
                for (int f = 0; f < n; f++) out[off + f] = (float) intSample(t, f * align + shift);
                return;
            }
            for (int f = 0; f < n; f++) {
                int base = f * align;
                double sum = 0;
                double chosen = 0;
                for (int c = 0; c < channels; c++) {
                    double v = t.isFloat ? floatSample(t, base + c * t.bytes, f, c) : intSample(t, base + c * t.bytes);
                    sum += v;
                    if (c == selected) chosen = v;
                }
                out[off + f] = (float) (mix ? sum / channels : chosen);
            }
        }

        /** Integer PCM scaled exactly as torchaudio.load does: x / 2^(bits-1); 8-bit is unsigned, (x-128)/128. */
        private double intSample(SampleType t, int i) {
            return switch (t) {
                case U8 -> ((buf.get(i) & 0xff) - 128) / 128.0;
                case S16 -> buf.getShort(i) / 32768.0;
                case S24 -> ((buf.get(i) & 0xff) | (buf.get(i + 1) & 0xff) << 8 | buf.get(i + 2) << 16) / 8388608.0;
                case S32 -> buf.getInt(i) / 2147483648.0;
                default -> throw new IllegalStateException(t.name());
            };
        }

        private double floatSample(SampleType t, int i, int f, int c) {
            double v = t == SampleType.F32 ? buf.getFloat(i) : buf.getDouble(i);
            if (!Double.isFinite(v) || (t == SampleType.F64 && Float.isInfinite((float) v))) {
                long index = frame + f;
                String what = Double.isNaN(v) ? "is NaN" : Double.isInfinite(v) ? "is " + (v > 0 ? "+Inf" : "-Inf")
                        : "(" + v + ") overflows float32";
                throw new InvalidInputException(src, "sample " + index + " " + what
                        + (h.channels() > 1 ? " (channel " + c + ")" : ""));
            }
            return v;
        }

        @Override
        public long skip(long frames) {
            if (closed) throw new IllegalStateException("stream is closed");
            long n = Math.max(0, Math.min(frames, h.frames() - frame));
            frame += n;
            return n;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only channel: nothing was written that a failed close could lose
            }
        }
    }
}
