package org.tempora.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.tempora.InvalidInputException;
import org.tempora.io.Npy;
import org.tempora.io.Npz;

/** Loading and saving a {@link Module}'s parameters and buffers by PyTorch key. */
public final class StateDict {
    private StateDict() {}

    /** Current values of a module as float32 entries (for .npz). */
    public static Map<String, Npz.Entry> entries(Module m) {
        Map<String, Npz.Entry> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, entry(v)));
        return out;
    }

    public static Npz.Entry entry(NDArray v) {
        long[] s = v.getShape().getShape();
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) shape[i] = Math.toIntExact(s[i]);
        NDArray f = v.getDataType() == DataType.FLOAT32 ? v : v.toType(DataType.FLOAT32, false);
        float[] data = f.toFloatArray();
        if (f != v) f.close();
        return new Npz.Entry(data, shape);
    }

    /** Saves a module as .npz (atomically). */
    public static void save(Module m, Path file) throws IOException {
        Npz.write(file, entries(m));
    }

    /** Reads a folder of {@code <key>.npy} files (as the golden fixtures store state_dicts). */
    public static Map<String, Npy.Array> readFolder(Path dir) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".npy")) out.put(n.substring(0, n.length() - 4), Npy.read(p));
            }
        } catch (IOException e) {
            throw new InvalidInputException(dir, "cannot list state_dict folder: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Copies values into the module's parameters and buffers.
     *
     * @param strict fail on keys missing from {@code values}; extra keys in {@code values} are always listed
     *               in the returned list (callers decide whether to ignore them, e.g. AST's unused {@code v.head.*})
     * @return keys of {@code values} that the module does not have
     */
    public static List<String> load(Module m, Map<String, Npy.Array> values, boolean strict, String source) {
        Map<String, NDArray> target = m.stateDict();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : target.entrySet()) {
            Npy.Array a = values.get(e.getKey());
            if (a == null) {
                missing.add(e.getKey());
                continue;
            }
            NDArray t = e.getValue();
            long[] want = t.getShape().getShape();
            long[] got = Arrays.stream(a.shape()).asLongStream().toArray();
            if (!Arrays.equals(want, got) && !(want.length == 0 && a.size() == 1)) {
                throw new InvalidInputException(source, "tensor " + e.getKey() + " has shape " + new Shape(got)
                        + " but the model expects " + new Shape(want));
            }
            set(t, a);
        }
        if (strict && !missing.isEmpty()) {
            throw new InvalidInputException(source, "missing tensors: " + String.join(", ", missing));
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : values.keySet()) if (!target.containsKey(k)) unexpected.add(k);
        return unexpected;
    }

    /**
     * Sets one tensor from a checkpoint array of the same size, in the tensor's own type: int64 counters (batch norm's
     * {@code num_batches_tracked}) from the array's integers, or rounded from float32 as .npz checkpoints hold every
     * tensor; everything else as float32.
     */
    public static void set(NDArray t, Npy.Array a) {
        if (t.getDataType() == DataType.INT64) {
            t.set(a.longs() != null ? a.i64() : rounded(a.f32()));
        } else {
            t.set(a.f32());
        }
    }

    private static long[] rounded(float[] f) {
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) out[i] = Math.round((double) f[i]);
        return out;
    }
}
