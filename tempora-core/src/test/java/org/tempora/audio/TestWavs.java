package org.tempora.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds WAV files byte by byte, so tests control every header field (including wrong ones). */
public final class TestWavs {
    private TestWavs() {}

    public static final int PCM = 1;
    public static final int FLOAT = 3;
    public static final int EXTENSIBLE = 0xFFFE;

    /** "RIFF" + size + "WAVE" + the given chunks (already padded). */
    public static byte[] riff(byte[]... chunks) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(ascii("WAVE"));
        for (byte[] c : chunks) body.writeBytes(c);
        ByteBuffer b = le(8 + body.size());
        b.put(ascii("RIFF")).putInt(body.size()).put(body.toByteArray());
        return b.array();
    }

    /** A chunk with its size field set to the body length, plus the pad byte after an odd-sized body. */
    public static byte[] chunk(String id, byte[] body) {
        return chunk(id, body.length, body);
    }

    /** A chunk whose size field says {@code declaredSize} whatever the body holds (for lying headers). */
    public static byte[] chunk(String id, long declaredSize, byte[] body) {
        int pad = body.length & 1;
        ByteBuffer b = le(8 + body.length + pad);
        b.put(ascii(id)).putInt((int) declaredSize).put(body);
        return b.array();
    }

    /** A 16-byte (PCM) or 18-byte (cbSize = 0) fmt body. */
    public static byte[] fmt(int tag, int channels, long rate, int blockAlign, int bits, boolean withCbSize) {
        ByteBuffer b = le(withCbSize ? 18 : 16);
        b.putShort((short) tag).putShort((short) channels).putInt((int) rate);
        b.putInt((int) (rate * blockAlign)).putShort((short) blockAlign).putShort((short) bits);
        if (withCbSize) b.putShort((short) 0);
        return b.array();
    }

    public static byte[] fmt(int tag, int channels, int rate, int bits) {
        return fmt(tag, channels, rate, channels * (bits / 8), bits, tag != PCM);
    }

    /** A 40-byte WAVE_FORMAT_EXTENSIBLE fmt body whose sub-format GUID is built from {@code subTag}. */
    public static byte[] fmtExtensible(int subTag, int channels, int rate, int containerBits, int validBits) {
        byte[] guid = new byte[16];
        guid[0] = (byte) subTag;
        guid[1] = (byte) (subTag >> 8);
        System.arraycopy(WavFile.GUID_SUFFIX, 0, guid, 2, 14);
        return fmtExtensible(guid, channels, rate, containerBits, validBits);
    }

    public static byte[] fmtExtensible(byte[] guid, int channels, int rate, int containerBits, int validBits) {
        int align = channels * containerBits / 8;
        ByteBuffer b = le(40);
        b.putShort((short) EXTENSIBLE).putShort((short) channels).putInt(rate).putInt(rate * align);
        b.putShort((short) align).putShort((short) containerBits);
        b.putShort((short) 22).putShort((short) validBits).putInt(0).put(guid);
        return b.array();
    }

    /** Interleaves integer PCM samples {@code pcm[channel][frame]} into little-endian bytes of {@code bytes} each. */
    public static byte[] intData(int[][] pcm, int bytes) {
        int frames = pcm[0].length;
        ByteBuffer b = le(frames * pcm.length * bytes);
        for (int i = 0; i < frames; i++) {
            for (int[] ch : pcm) {
                int v = ch[i];
                for (int k = 0; k < bytes; k++) b.put((byte) (v >> (8 * k)));
            }
        }
        return b.array();
    }

    public static byte[] floatData(float[][] x) {
        ByteBuffer b = le(x[0].length * x.length * 4);
        for (int i = 0; i < x[0].length; i++) {
            for (float[] ch : x) b.putFloat(ch[i]);
        }
        return b.array();
    }

    public static byte[] doubleData(double[][] x) {
        ByteBuffer b = le(x[0].length * x.length * 8);
        for (int i = 0; i < x[0].length; i++) {
            for (double[] ch : x) b.putDouble(ch[i]);
        }
        return b.array();
    }

    /** A well-formed mono 16-bit PCM file at 16 kHz holding {@code samples}. */
    public static byte[] pcm16Mono(short... samples) {
        int[][] pcm = new int[1][samples.length];
        for (int i = 0; i < samples.length; i++) pcm[0][i] = samples[i];
        return riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", intData(pcm, 2)));
    }

    /** A named pipe (FIFO) made with {@code mkfifo}: opening it for reading blocks until a writer appears. */
    public static Path fifo(Path dir, String name) {
        Path p = dir.resolve(name);
        try {
            Process mk = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
            String out = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (mk.waitFor() != 0) throw new IllegalStateException("mkfifo " + p + " failed: " + out);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Path write(Path dir, String name, byte[] bytes) {
        try {
            Path p = dir.resolve(name);
            Files.write(p, bytes);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
