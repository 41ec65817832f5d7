package org.tempora.io;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tempora.InvalidInputException;
import org.tempora.Messages;

/**
 * NumPy {@code .npy} files (format 1.0/2.0, C order, little-endian): float32, float64, int64, int32, int16
 * and bool are read; float32 and int64 are written. Data is returned as a flat array with its shape.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** A flat array read from an .npy file: either {@code floats} or {@code longs} (integers, bools) is set. */
    public record Array(int[] shape, float[] floats, long[] longs, String dtype) {
        public int size() {
            int n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        public float[] f32() {
            if (floats == null) {
                float[] f = new float[longs.length];
                for (int i = 0; i < f.length; i++) f[i] = longs[i];
                return f;
            }
            return floats;
        }

        public long[] i64() {
            if (longs == null) throw new IllegalStateException("array is " + dtype + ", not integer");
            return longs;
        }

        /** The only element of a one-element array, as float. */
        public float scalar() {
            if (size() != 1) throw new IllegalStateException("not a scalar: " + Arrays.toString(shape));
            return f32()[0];
        }
    }

    public static Array read(Path path) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            return read(in, path.toString());
        } catch (IOException e) {
            throw new InvalidInputException(path, "cannot read .npy: " + Messages.io(e, path), e);
        }
    }

    public static Array read(InputStream raw, String source) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        byte[] magic = new byte[6];
        in.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) throw new InvalidInputException(source, "not a .npy file (bad magic)");
        int major = in.readUnsignedByte();
        in.readUnsignedByte();
        int headerLen;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
        } else {
            headerLen = Integer.reverseBytes(in.readInt());
        }
        byte[] hb = new byte[headerLen];
        in.readFully(hb);
        String header = new String(hb, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher o = ORDER.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !o.find() || !s.find()) throw new InvalidInputException(source, "bad .npy header: " + header.trim());
        if (o.group(1).equals("True")) throw new InvalidInputException(source, "Fortran-order .npy is not supported");
        List<Integer> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            if (!part.isBlank()) dims.add(Integer.parseInt(part.trim()));
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        long n = 1;
        for (int v : shape) n *= v;
        String descr = d.group(1);
        int width = switch (descr) {
            case "<f4", "<i4" -> 4;
            case "<f8", "<i8" -> 8;
            case "<i2" -> 2;
            case "|b1", "|u1", "|i1" -> 1;
            default -> throw new InvalidInputException(source, "unsupported .npy dtype " + descr);
        };
        byte[] body = new byte[Math.toIntExact(n * width)];
        in.readFully(body);
        ByteBuffer bb = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        int count = (int) n;
        switch (descr) {
            case "<f4" -> {
                float[] f = new float[count];
                bb.asFloatBuffer().get(f);
                return new Array(shape, f, null, descr);
            }
            case "<f8" -> {
                float[] f = new float[count];
                for (int i = 0; i < count; i++) f[i] = (float) bb.getDouble();
                return new Array(shape, f, null, descr);
            }
            default -> {
                long[] l = new long[count];
                for (int i = 0; i < count; i++) {
                    l[i] = switch (width) {
                        case 8 -> bb.getLong();
                        case 4 -> bb.getInt();
                        case 2 -> bb.getShort();
                        default -> bb.get();
                    };
                }
                return new Array(shape, null, l, descr);
            }
        }
    }

    /** Writes a float32 array atomically. */
    public static void write(Path path, float[] data, int... shape) throws IOException {
        check(data.length, shape);
        AtomicFiles.write(path, out -> write(out, data, shape));
    }

    public static void write(OutputStream out, float[] data, int... shape) throws IOException {
        check(data.length, shape);
        writeHeader(out, "<f4", shape);
        ByteBuffer bb = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            if (bb.remaining() < 4) {
                out.write(bb.array(), 0, bb.position());
                bb.clear();
            }
            bb.putFloat(v);
        }
        out.write(bb.array(), 0, bb.position());
    }

    /** Hands out the rows of a matrix in order, as {@link org.tempora.features.LogMelStream#read} does. */
    @FunctionalInterface
    public interface RowSource {
        /**
         * Reads up to {@code maxRows} rows into {@code dst}, row {@code k} at {@code dst[(rowOffset + k)·cols …]}.
         *
         * @return rows read (at least 1 while rows remain), −1 at the end
         */
        int read(float[] dst, int rowOffset, int maxRows);
    }

    /**
     * Writes a {@code [rows, cols]} float32 array atomically, pulling its rows from {@code src} 64 Ki values at a
     * time: the array never needs to be in memory, only the header needs its shape up front.
     *
     * @throws IllegalStateException if {@code src} ends before {@code rows} rows
     */
    public static void writeRows(Path path, int rows, int cols, RowSource src) throws IOException {
        if (rows < 0 || cols <= 0) throw new IllegalArgumentException("shape [" + rows + ", " + cols + "]");
        AtomicFiles.write(path, out -> {
            writeHeader(out, "<f4", new int[] {rows, cols});
            int chunk = Math.max(1, (1 << 16) / cols);
            float[] buf = new float[chunk * cols];
            ByteBuffer bb = ByteBuffer.allocate(buf.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int done = 0; done < rows; ) {
                int got = src.read(buf, 0, Math.min(chunk, rows - done));
                if (got <= 0) throw new IllegalStateException("the rows ended after " + done + " of " + rows);
                bb.clear();
                bb.asFloatBuffer().put(buf, 0, got * cols);
                out.write(bb.array(), 0, got * cols * 4);
                done += got;
            }
        });
    }

    /** Writes an int64 array atomically. */
    public static void write(Path path, long[] data, int... shape) throws IOException {
        check(data.length, shape);
        AtomicFiles.write(path, out -> {
            writeHeader(out, "<i8", shape);
            ByteBuffer bb = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : data) bb.putLong(v);
            out.write(bb.array());
        });
    }

    private static void check(int length, int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != length) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + length + " values");
    }

    private static void writeHeader(OutputStream out, String descr, int[] shape) throws IOException {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            sb.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) sb.append(shape.length == 1 ? "," : ", ");
        }
        sb.append("), }");
        int total = 10 + sb.length() + 1;
        int pad = (64 - total % 64) % 64;
        sb.append(" ".repeat(pad)).append('\n');
        byte[] header = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        out.write(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length & 0xff);
        out.write((header.length >> 8) & 0xff);
        out.write(header);
    }
}
