package org.tempora.io;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * The pickle of a {@code torch.save} archive ({@code data.pkl}), read with razorvine's unpickler and a closed set of
 * globals. A pickle calls whatever its globals name ({@code os.system}, {@code builtins.eval}); this one resolves a
 * global only if it is one of
 * <ul>
 *   <li>{@code torch._utils._rebuild_tensor_v2} and {@code torch._utils._rebuild_parameter}: a {@link TensorRef};</li>
 *   <li>{@code collections.OrderedDict}: a {@link OrderedDict};</li>
 *   <li>{@code torch.FloatStorage}, {@code torch.HalfStorage}, {@code torch.BFloat16Storage}: a storage type, usable
 *       only inside a persistent id {@code ('storage', type, key, location, numel)}, which becomes a
 *       {@link StorageRef};</li>
 * </ul>
 * and refuses every other one by name before anything is called ({@link Refused}). Nothing is looked up by
 * reflection: the opcodes that build arbitrary objects ({@code INST}, {@code OBJ}, {@code NEWOBJ_EX}, extensions) are
 * refused, and {@code BUILD} is accepted only on an OrderedDict (a state_dict's {@code _metadata}, which is dropped).
 * razorvine's global constructor registry is never touched.
 */
final class TorchUnpickler extends Unpickler {
    static final Set<String> ALLOWED = Set.of("torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
            "collections.OrderedDict", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage");

    /** A global or opcode the reader refuses (the message names it). */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** A malformed pickle (wrong argument types or counts for an allowed global). */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /** A storage: record {@code data/<key>} of the archive holding {@code numel} elements of {@code dtype}. */
    record StorageRef(String key, Floats.Dtype dtype, long numel) {}

    /** A tensor: a strided view {@code (offset, size, stride)} of a storage, in elements. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** {@code collections.OrderedDict}. */
    static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
    }

    /** A storage type global: only a marker inside a persistent id; calling it is refused. */
    private record StorageType(String global, Floats.Dtype dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new Refused("the pickle calls " + global + " directly (torch.save only names it in a storage record)");
        }
    }

    private static final IObjectConstructor REBUILD_TENSOR = args -> {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (args.length < 4 || !(args[0] instanceof StorageRef s)) {
            throw new Malformed("_rebuild_tensor_v2 is not given a storage");
        }
        long offset = integer(args[1], "storage offset");
        long[] size = longs(args[2], "size");
        long[] stride = longs(args[3], "stride");
        if (size.length != stride.length) throw new Malformed("a tensor has " + size.length + " sizes but " + stride.length + " strides");
        return new TensorRef(s, offset, size, stride);
    };

    private static final IObjectConstructor REBUILD_PARAMETER = args -> {
        // (data, requires_grad, backward_hooks)
        if (args.length < 1 || !(args[0] instanceof TensorRef t)) throw new Malformed("_rebuild_parameter is not given a tensor");
        return t;
    };

    private static final IObjectConstructor ORDERED_DICT = args -> {
        OrderedDict d = new OrderedDict();
        if (args.length == 1 && args[0] instanceof List<?> items) {
            for (Object item : items) {
                if (!(item instanceof Object[] pair) || pair.length != 2) throw new Malformed("OrderedDict items are not pairs");
                d.put(pair[0], pair[1]);
            }
        } else if (args.length != 0) {
            throw new Malformed("OrderedDict is given " + args.length + " arguments");
        }
        return d;
    };

    private static final Map<String, IObjectConstructor> GLOBALS = Map.of(
            "torch._utils._rebuild_tensor_v2", REBUILD_TENSOR,
            "torch._utils._rebuild_parameter", REBUILD_PARAMETER,
            "collections.OrderedDict", ORDERED_DICT,
            "torch.FloatStorage", new StorageType("torch.FloatStorage", Floats.Dtype.F32),
            "torch.HalfStorage", new StorageType("torch.HalfStorage", Floats.Dtype.F16),
            "torch.BFloat16Storage", new StorageType("torch.BFloat16Storage", Floats.Dtype.BF16));

    static {
        if (!GLOBALS.keySet().equals(ALLOWED)) throw new AssertionError("allowed globals and constructors differ");
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(global(module, name));
                return NO_RETURN_VALUE;
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m) || !(name instanceof String n)) throw new Malformed("STACK_GLOBAL without two strings");
                stack.add(global(m, n));
                return NO_RETURN_VALUE;
            }
            case Opcodes.INST -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                throw new Refused("the global " + module + "." + name + " is not allowed (INST instantiates a class; torch.save never writes it)");
            }
            case Opcodes.OBJ, Opcodes.NEWOBJ_EX, Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                    throw new Refused("pickle opcode " + opcodeName(key) + " is not allowed (torch.save never writes it)");
            case Opcodes.EMPTY_DICT -> {
                stack.add(new LinkedHashMap<>()); // keep the saved order (razorvine's dicts are HashMaps)
                return NO_RETURN_VALUE;
            }
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                if (items.size() % 2 != 0 || !(stack.peek() instanceof Map<?, ?>)) throw new Malformed("SETITEMS without a dict and key-value pairs");
                @SuppressWarnings("unchecked")
                Map<Object, Object> dict = (Map<Object, Object>) stack.peek();
                for (int i = 0; i < items.size(); i += 2) dict.put(items.get(i), items.get(i + 1));
                return NO_RETURN_VALUE;
            }
            case Opcodes.BUILD -> {
                Object state = stack.pop();
                Object target = stack.peek();
                if (!(target instanceof OrderedDict)) {
                    throw new Refused("pickle opcode BUILD on " + describe(target) + " is not allowed (only a state_dict's _metadata)");
                }
                if (!(state instanceof Map<?, ?>) && state != null) throw new Malformed("BUILD state of an OrderedDict is not a dict");
                return NO_RETURN_VALUE; // the state_dict's _metadata (module versions) is not needed
            }
            default -> {
                return super.dispatch(key);
            }
        }
    }

    private static IObjectConstructor global(String module, String name) {
        // protocol 2 writes Python 3's builtins under their Python 2 module names; name them as Python 3 does
        String full = (module.equals("__builtin__") ? "builtins" : module.equals("copy_reg") ? "copyreg" : module) + "." + name;
        IObjectConstructor c = GLOBALS.get(full);
        if (c == null) {
            throw new Refused("the pickle names the global " + full + ", which is not allowed (a checkpoint may only use "
                    + String.join(", ", ALLOWED.stream().sorted().toList()) + "); nothing was called");
        }
        return c;
    }

    @Override
    protected Object persistentLoad(Object pid) {
        // ('storage', storage_type, key, location, numel)
        if (!(pid instanceof Object[] t) || t.length != 5 || !"storage".equals(t[0])) {
            throw new Malformed("unknown persistent id " + describe(pid));
        }
        if (!(t[1] instanceof StorageType type)) throw new Malformed("a storage record without a storage type");
        if (!(t[2] instanceof String k)) throw new Malformed("a storage record without a key");
        long numel = integer(t[4], "storage size");
        return new StorageRef(k, type.dtype(), numel);
    }

    private static long integer(Object o, String what) {
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
            long v = ((Number) o).longValue();
            if (v < 0) throw new Malformed("negative " + what + " " + v);
            return v;
        }
        throw new Malformed(what + " is not an integer: " + describe(o));
    }

    private static long[] longs(Object o, String what) {
        if (!(o instanceof Object[] a)) throw new Malformed(what + " is not a tuple: " + describe(o));
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) out[i] = integer(a[i], what);
        return out;
    }

    private static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof Object[]) return "a tuple";
        if (o instanceof Map<?, ?>) return "a dict";
        if (o instanceof List<?>) return "a list";
        if (o instanceof String) return "a string";
        if (o instanceof Number) return "a number";
        return "an object";
    }

    private static String opcodeName(short key) {
        return switch (key) {
            case Opcodes.OBJ -> "OBJ";
            case Opcodes.NEWOBJ_EX -> "NEWOBJ_EX";
            default -> "EXT";
        };
    }
}
