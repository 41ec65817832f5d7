package org.tempora.audio;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/** Small helpers for reading exact byte ranges and describing raw bytes in error messages. */
final class Bytes {
    private Bytes() {}

    /**
     * Reads up to {@code buf.remaining()} bytes at absolute position {@code pos}. Returns how many were read:
     * fewer than asked only when the file ends first.
     */
    static int readAt(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + total);
            if (n < 0) break;
            total += n;
        }
        return total;
    }

    /** Reads exactly {@code buf.remaining()} bytes at {@code pos} or throws EOFException. */
    static void readFullyAt(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        int want = buf.remaining();
        if (readAt(ch, buf, pos) < want) throw new EOFException("file ended early");
    }

    static int u16(ByteBuffer b, int i) {
        return Short.toUnsignedInt(b.getShort(i));
    }

    static long u32(ByteBuffer b, int i) {
        return Integer.toUnsignedLong(b.getInt(i));
    }

    /** A four-character code as text when printable, else as hex, for messages like "chunk 'LIST'". */
    static String fourcc(ByteBuffer b, int i) {
        byte[] id = new byte[4];
        b.get(i, id);
        for (byte c : id) {
            if (c < 0x20 || c > 0x7e) return "0x" + hex(id, 0, 4, "");
        }
        return "'" + new String(id, StandardCharsets.US_ASCII) + "'";
    }

    static String hex(byte[] bytes, int off, int len, String sep) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            if (i > 0) sb.append(sep);
            sb.append(String.format("%02X", bytes[off + i] & 0xff));
        }
        return sb.toString();
    }

    static boolean startsWith(byte[] data, int len, String ascii) {
        if (len < ascii.length()) return false;
        for (int i = 0; i < ascii.length(); i++) {
            if (data[i] != (byte) ascii.charAt(i)) return false;
        }
        return true;
    }

    /** True if the first {@code len} bytes are a (possibly shorter) prefix of {@code ascii}. */
    static boolean isPrefixOf(byte[] data, int len, String ascii) {
        if (len == 0 || len >= ascii.length()) return false;
        for (int i = 0; i < len; i++) {
            if (data[i] != (byte) ascii.charAt(i)) return false;
        }
        return true;
    }
}
