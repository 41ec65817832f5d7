package org.tempora.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.InvalidInputException;
import org.tempora.Messages;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length {@code n}, {@code n} bytes of JSON
 * {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}}, then the tensors'
 * raw little-endian bytes, {@code data_offsets} relative to the end of the header.
 *
 * <p>Reading converts {@code F32}, {@code F16} and {@code BF16} to float32 and refuses every other dtype, naming the
 * tensor. The header is checked before any data is read: shapes against byte ranges, ranges that overlap or leave gaps
 * (the buffer must be indexed exactly), and a file too short for its ranges (truncated: the message names the first
 * tensor that is cut). Writing stores float32 with the header padded to 8 bytes.
 */
public final class SafeTensors {
    /** The largest header read (the format's own reader refuses more than 100 MB). */
    static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensors() {}

    /** A file's tensors (float32, in header order) and its {@code __metadata__}. */
    public record Contents(Map<String, Npy.Array> tensors, Map<String, String> metadata) {}

    /** One tensor's header entry. */
    private record Header(String name, Floats.Dtype dtype, int[] shape, long begin, long end) {}

    /** Reads every tensor as float32, in header order. */
    public static Map<String, Npy.Array> read(Path file) {
        return readContents(file).tensors();
    }

    public static Contents readContents(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new InvalidInputException(file, "not a safetensors file: only " + size + " bytes");
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.flip().getLong();
            if (n < 2 || n > MAX_HEADER) {
                throw new InvalidInputException(file, "not a safetensors file: header length " + Long.toUnsignedString(n)
                        + (n > MAX_HEADER ? " exceeds 100 MB" : ""));
            }
            if (n > size - 8) {
                throw new InvalidInputException(file, "truncated safetensors file: the header needs " + n + " bytes, the file holds "
                        + (size - 8) + " after the length");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            List<Header> headers = new ArrayList<>();
            Map<String, String> metadata = parseHeader(file, new String(hb.array(), StandardCharsets.UTF_8), headers);
            long dataStart = 8 + n;
            checkLayout(file, headers, size - dataStart);
            Map<String, Npy.Array> out = new LinkedHashMap<>();
            for (Header h : headers) {
                ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(h.end - h.begin));
                readFully(ch, b, dataStart + h.begin);
                out.put(h.name, convert(b.array(), h.dtype, h.shape));
            }
            return new Contents(out, metadata);
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot read safetensors file: " + Messages.io(e, file), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) throw new java.io.EOFException("unexpected end of file");
            p += r;
        }
    }

    private static Map<String, String> parseHeader(Path file, String text, List<Header> out) {
        JsonNode root;
        try {
            root = JSON.readTree(text.strip());
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(file, "not a safetensors file: its header is not JSON (" + Messages.parseError(e) + ")");
        }
        if (root == null || !root.isObject()) throw new InvalidInputException(file, "not a safetensors file: its header is not a JSON object");
        Map<String, String> metadata = new LinkedHashMap<>();
        var it = root.fields();
        while (it.hasNext()) {
            var e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new InvalidInputException(file, "__metadata__ is not an object of strings");
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            out.add(entry(file, name, v));
        }
        return metadata;
    }

    private static Header entry(Path file, String name, JsonNode v) {
        String where = "tensor '" + name + "'";
        if (!v.isObject() || !v.path("dtype").isTextual() || !v.path("shape").isArray() || !v.path("data_offsets").isArray()) {
            throw new InvalidInputException(file, where + ": the header entry needs dtype, shape and data_offsets");
        }
        String dt = v.get("dtype").asText();
        Floats.Dtype dtype;
        try {
            dtype = Floats.Dtype.valueOf(dt);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(file, where + " has dtype " + dt + "; tempora reads F32, F16 and BF16 tensors only");
        }
        JsonNode s = v.get("shape");
        int[] shape = new int[s.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = s.get(i);
            if (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() < 0) throw new InvalidInputException(file, where + ": bad shape " + s);
            shape[i] = d.asInt();
            numel *= shape[i];
            if (numel > Integer.MAX_VALUE) throw new InvalidInputException(file, where + ": shape " + s + " is too large (over 2^31 values)");
        }
        JsonNode o = v.get("data_offsets");
        if (o.size() != 2 || !o.get(0).isIntegralNumber() || !o.get(1).isIntegralNumber() || o.get(0).asLong() < 0
                || o.get(1).asLong() < o.get(0).asLong()) {
            throw new InvalidInputException(file, where + ": bad data_offsets " + o);
        }
        long begin = o.get(0).asLong();
        long end = o.get(1).asLong();
        long need = numel * Floats.width(dtype);
        if (end - begin != need) {
            throw new InvalidInputException(file, where + ": shape " + Arrays.toString(shape) + " of " + dt + " needs " + need
                    + " bytes, but its data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes");
        }
        return new Header(name, dtype, shape, begin, end);
    }

    /** The ranges must tile [0, last end) exactly, and the file must hold all of it. */
    private static void checkLayout(Path file, List<Header> headers, long dataBytes) {
        List<Header> sorted = new ArrayList<>(headers);
        sorted.sort(Comparator.comparingLong(Header::begin).thenComparingLong(Header::end));
        long at = 0;
        Header prev = null;
        for (Header h : sorted) {
            if (h.begin < at) {
                throw new InvalidInputException(file, "tensor '" + h.name + "' (bytes " + h.begin + "-" + h.end + ") overlaps tensor '"
                        + prev.name + "' (bytes " + prev.begin + "-" + prev.end + ")");
            }
            if (h.begin > at) throw new InvalidInputException(file, "a gap of " + (h.begin - at) + " unindexed bytes before tensor '" + h.name + "'");
            at = h.end;
            prev = h;
        }
        if (at > dataBytes) {
            Header cut = sorted.stream().filter(h -> h.end > dataBytes).findFirst().orElseThrow();
            throw new InvalidInputException(file, "truncated: tensor '" + cut.name + "' needs data bytes " + cut.begin + "-" + cut.end
                    + " but the file holds only " + dataBytes);
        }
        if (at < dataBytes) throw new InvalidInputException(file, (dataBytes - at) + " bytes after the last tensor (corrupt or not a safetensors file)");
    }

    private static Npy.Array convert(byte[] bytes, Floats.Dtype dtype, int[] shape) {
        int n = bytes.length / Floats.width(dtype);
        float[] f = new float[n];
        if (dtype == Floats.Dtype.F32) {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        } else {
            for (int i = 0; i < n; i++) f[i] = Floats.get(bytes, i, dtype);
        }
        return new Npy.Array(shape, f, null, "<f4");
    }

    /**
     * Writes float32 tensors (in map order) and string metadata, atomically. The header is padded with spaces so the
     * data starts 8-byte aligned.
     */
    public static void write(Path file, Map<String, Npz.Entry> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Npz.Entry> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) throw new IllegalArgumentException("a tensor may not be called __metadata__");
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            long numel = 1;
            for (int d : e.getValue().shape()) {
                shape.add(d);
                numel *= d;
            }
            if (numel != e.getValue().data().length) {
                throw new IllegalArgumentException(e.getKey() + ": shape " + Arrays.toString(e.getValue().shape()) + " does not hold "
                        + e.getValue().data().length + " values");
            }
            var o = t.putArray("data_offsets");
            o.add(offset);
            offset += numel * 4;
            o.add(offset);
        }
        byte[] h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        byte[] hp = Arrays.copyOf(h, padded);
        Arrays.fill(hp, h.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(hp);
            ByteBuffer bb = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Npz.Entry e : tensors.values()) {
                for (float v : e.data()) {
                    if (bb.remaining() < 4) {
                        out.write(bb.array(), 0, bb.position());
                        bb.clear();
                    }
                    bb.putFloat(v);
                }
            }
            out.write(bb.array(), 0, bb.position());
        });
    }

    /** Whether the first bytes look like a safetensors file (a plausible header length followed by '{'). */
    static boolean looksLike(byte[] head) {
        if (head.length < 9) return false;
        long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n >= 2 && n <= MAX_HEADER && head[8] == '{';
    }
}
