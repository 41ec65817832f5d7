package org.tempora.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.tempora.InvalidInputException;
import org.tempora.Messages;

/**
 * Reads the state_dict of a {@code torch.save} file in PyTorch's zip format (PyTorch 1.6 and later):
 * {@code <name>/data.pkl} is a pickle whose tensors refer by key to raw little-endian storages
 * {@code <name>/data/<key>}.
 *
 * <p>The pickle is read with a closed set of globals ({@link TorchUnpickler}): a checkpoint that names any other
 * ({@code os.system}, {@code builtins.eval}, a class of its training script) is refused with the global's name, and
 * nothing it names is ever called. Tensors are float32, float16 or bfloat16 storages (returned as float32); each is
 * read as the strided view it was saved as (storage offset, sizes, strides: transposes, slices, tensors sharing one
 * storage), checked against the storage's size.
 *
 * <p>The state_dict is the top-level dict when its values are tensors, else the dict under {@code state_dict},
 * {@code model} or {@code model_state_dict} (a training checkpoint with the epoch and the optimiser beside it). When
 * every key starts with {@code module.} (a model saved inside {@code torch.nn.DataParallel}), the prefix is removed.
 */
public final class TorchCheckpoint {
    /** Keys under which training scripts keep the state_dict, tried in order. */
    public static final List<String> NESTED_KEYS = List.of("state_dict", "model", "model_state_dict");
    private static final long MAX_PICKLE = 256L << 20;

    private TorchCheckpoint() {}

    /** The float32 tensors of the checkpoint's state_dict, by key. */
    public static Map<String, Npy.Array> readStateDict(Path file) {
        byte[] head = head(file);
        if (head.length >= 1 && (head[0] & 0xff) == 0x80) {
            throw new InvalidInputException(file, "a legacy torch.save file (PyTorch before 1.6, or _use_new_zipfile_serialization=False), "
                    + "which tempora does not read: load it in PyTorch and save it again with torch.save");
        }
        if (head.length < 4 || head[0] != 'P' || head[1] != 'K') {
            throw new InvalidInputException(file, "not a torch.save file (not a zip archive)");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = archivePrefix(file, zip);
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                String bo = new String(readEntry(zip, order, 16), StandardCharsets.US_ASCII).strip();
                if (!bo.equals("little")) throw new InvalidInputException(file, "a " + bo + "-endian checkpoint; tempora reads little-endian ones");
            }
            ZipEntry pkl = zip.getEntry(prefix + "data.pkl");
            Object root = unpickle(file, readEntry(zip, pkl, MAX_PICKLE));
            Map<?, ?> dict = findStateDict(file, root, "");
            Map<String, byte[]> storages = new HashMap<>();
            Map<String, Npy.Array> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                if (!(e.getValue() instanceof TorchUnpickler.TensorRef t)) continue;
                String name = String.valueOf(e.getKey());
                byte[] storage = storages.get(t.storage().key());
                if (storage == null) {
                    storage = storage(file, zip, prefix, t.storage(), name);
                    storages.put(t.storage().key(), storage);
                }
                out.put(name, materialize(file, name, t, storage));
            }
            if (out.isEmpty()) throw new InvalidInputException(file, "the checkpoint holds no tensors");
            return stripModulePrefix(out);
        } catch (ZipException e) {
            throw new InvalidInputException(file, "not a readable torch.save archive (truncated or corrupt zip: " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot read torch.save archive: " + Messages.io(e, file), e);
        }
    }

    /** The first bytes of a file (for format detection). */
    static byte[] head(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(16);
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot read: " + Messages.io(e, file), e);
        }
    }

    /** The folder inside the zip that holds data.pkl ({@code archive/} or the saved file's stem). */
    private static String archivePrefix(Path file, ZipFile zip) {
        List<String> found = new ArrayList<>();
        var it = zip.entries();
        while (it.hasMoreElements()) {
            String n = it.nextElement().getName();
            if (n.equals("data.pkl")) found.add("");
            else if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) found.add(n.substring(0, n.length() - "data.pkl".length()));
        }
        if (found.isEmpty()) throw new InvalidInputException(file, "a zip archive without data.pkl: not a torch.save file");
        if (found.size() > 1) throw new InvalidInputException(file, "a zip archive with " + found.size() + " data.pkl records: not a torch.save file");
        return found.get(0);
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry e, long max) throws IOException {
        if (e.getSize() > max) throw new IOException(e.getName() + " is larger than " + (max >> 20) + " MB");
        try (InputStream in = zip.getInputStream(e)) {
            return in.readNBytes((int) Math.min(max, Integer.MAX_VALUE - 8));
        }
    }

    private static Object unpickle(Path file, byte[] pickle) {
        TorchUnpickler u = new TorchUnpickler();
        try {
            return u.loads(pickle);
        } catch (TorchUnpickler.Refused e) {
            throw new InvalidInputException(file, e.getMessage());
        } catch (TorchUnpickler.Malformed e) {
            throw new InvalidInputException(file, "malformed data.pkl: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(file, "malformed data.pkl (" + Messages.oneLine(String.valueOf(e.getMessage())) + ")", e);
        } finally {
            u.close();
        }
    }

    private static Map<?, ?> findStateDict(Path file, Object o, String path) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new InvalidInputException(file, "no state_dict found: " + (path.isEmpty() ? "the checkpoint" : path) + " is not a dict");
        }
        boolean anyTensor = m.values().stream().anyMatch(v -> v instanceof TorchUnpickler.TensorRef);
        if (anyTensor) return m;
        for (String k : NESTED_KEYS) {
            if (m.get(k) instanceof Map<?, ?>) return findStateDict(file, m.get(k), path.isEmpty() ? k : path + "." + k);
        }
        List<String> keys = m.keySet().stream().map(String::valueOf).limit(10).toList();
        throw new InvalidInputException(file, "no state_dict found: " + (path.isEmpty() ? "the checkpoint's" : path + "'s") + " keys are "
                + keys + " (tempora looks for tensors at the top or under " + String.join(", ", NESTED_KEYS) + ")");
    }

    private static byte[] storage(Path file, ZipFile zip, String prefix, TorchUnpickler.StorageRef s, String tensor) {
        String record = "data/" + s.key();
        ZipEntry e = zip.getEntry(prefix + record);
        if (e == null) throw new InvalidInputException(file, "tensor '" + tensor + "': its storage record " + record + " is missing");
        long need = s.numel() * Floats.width(s.dtype());
        if (need > Integer.MAX_VALUE - 8) throw new InvalidInputException(file, "tensor '" + tensor + "': storage " + record + " is larger than 2 GB");
        byte[] b;
        try (InputStream in = zip.getInputStream(e)) {
            b = in.readNBytes((int) need);
        } catch (IOException ex) {
            throw new InvalidInputException(file, "tensor '" + tensor + "': cannot read its storage record " + record
                    + " (truncated or corrupt file: " + Messages.oneLine(ex.getMessage()) + ")", ex);
        }
        if (b.length < need) {
            throw new InvalidInputException(file, "tensor '" + tensor + "': its storage record " + record + " holds " + b.length
                    + " bytes, " + need + " expected (truncated or corrupt file)");
        }
        return b;
    }

    private static Npy.Array materialize(Path file, String name, TorchUnpickler.TensorRef t, byte[] storage) {
        long[] size = t.size();
        long numel = 1;
        long last = t.offset();
        for (int i = 0; i < size.length; i++) {
            numel *= size[i];
            if (numel > Integer.MAX_VALUE) throw new InvalidInputException(file, "tensor '" + name + "' is too large (over 2^31 values)");
            if (size[i] > 0) last += (size[i] - 1) * t.stride()[i];
        }
        int[] shape = Arrays.stream(size).mapToInt(Math::toIntExact).toArray();
        float[] out = new float[(int) numel];
        if (numel == 0) return new Npy.Array(shape, out, null, "<f4");
        if (last >= t.storage().numel()) {
            throw new InvalidInputException(file, "tensor '" + name + "' (offset " + t.offset() + ", size " + Arrays.toString(size) + ", stride "
                    + Arrays.toString(t.stride()) + ") reaches element " + last + " of a storage of " + t.storage().numel());
        }
        int[] idx = new int[size.length];
        long pos = t.offset();
        for (int i = 0; i < out.length; i++) {
            out[i] = Floats.get(storage, pos, t.storage().dtype());
            for (int d = size.length - 1; d >= 0; d--) {
                idx[d]++;
                pos += t.stride()[d];
                if (idx[d] < size[d]) break;
                pos -= size[d] * t.stride()[d];
                idx[d] = 0;
            }
        }
        return new Npy.Array(shape, out, null, "<f4");
    }

    /** Removes DataParallel's {@code module.} prefix when every key has it. */
    public static Map<String, Npy.Array> stripModulePrefix(Map<String, Npy.Array> sd) {
        if (sd.isEmpty() || !sd.keySet().stream().allMatch(k -> k.startsWith("module."))) return sd;
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        sd.forEach((k, v) -> out.put(k.substring("module.".length()), v));
        return out;
    }
}
