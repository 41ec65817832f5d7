package org.tempora.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import net.razorvine.pickle.IObjectDeconstructor;
import net.razorvine.pickle.Pickler;

/**
 * Writes float32 tensors as a {@code torch.save} file in PyTorch's zip format, which
 * {@code torch.load(path, weights_only=True)} reads as a {@code collections.OrderedDict} state_dict.
 *
 * <p>The archive holds, in this order: {@code archive/data.pkl} (the pickle), {@code archive/byteorder}
 * ({@code little}), one storage per tensor {@code archive/data/0}, {@code archive/data/1}, … (raw little-endian float32,
 * contiguous), {@code archive/version} and {@code archive/.data/version} ({@code 3}). Records are stored uncompressed
 * with their data 64-byte aligned, padded with an extra field as PyTorch's own writer does, so a memory-mapped load works.
 *
 * <p>The pickle (protocol 2) is written with razorvine's {@link Pickler}, the same library {@link TorchUnpickler} reads
 * with. Three things in it are not plain values, and razorvine emits each through its own extension points, without
 * touching its static registries: the dict is {@code collections.OrderedDict([(key, tensor), …])} and each tensor
 * {@code torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())} (both a {@code GLOBAL} +
 * {@code REDUCE} from {@link IObjectDeconstructor}s); each storage is the persistent id
 * {@code ('storage', torch.FloatStorage, key, 'cpu', numel)} ({@code BINPERSID}, from {@code persistentId}), whose
 * storage type is a bare {@code GLOBAL} (a deconstructor with no arguments). These are exactly the globals
 * {@code weights_only=True} allows and {@link TorchCheckpoint} reads back.
 */
public final class TorchSave {
    private TorchSave() {}

    /** The folder name inside the archive, as {@code torch.save} names it. */
    public static final String ARCHIVE = "archive";
    private static final int ALIGN = 64;

    /** Writes the tensors (in map order) atomically. */
    public static void write(Path file, Map<String, Npz.Entry> tensors) throws IOException {
        List<Object[]> items = new ArrayList<>();
        List<Npz.Entry> storages = new ArrayList<>();
        for (Map.Entry<String, Npz.Entry> e : tensors.entrySet()) {
            Npz.Entry t = e.getValue();
            long numel = 1;
            for (int d : t.shape()) numel *= d;
            if (numel != t.data().length) {
                throw new IllegalArgumentException(e.getKey() + ": shape " + Arrays.toString(t.shape()) + " does not hold " + t.data().length + " values");
            }
            items.add(new Object[] {e.getKey(), new Tensor(new Storage(storages.size(), numel), t.shape())});
            storages.add(t);
        }
        byte[] pickle = pickle(new OrderedDict(items));
        AtomicFiles.write(file, out -> {
            Counting counted = new Counting(out);
            ZipOutputStream zip = new ZipOutputStream(counted);
            zip.setLevel(0);
            record(zip, counted, "data.pkl", pickle);
            record(zip, counted, "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < storages.size(); i++) {
                float[] v = storages.get(i).data();
                ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(v);
                record(zip, counted, "data/" + i, bb.array());
            }
            record(zip, counted, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            record(zip, counted, ".data/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            zip.finish();
        });
    }

    /** The pickle alone (protocol 2), for tests and for {@link #write}. */
    static byte[] pickle(Object root) throws IOException {
        return new StatePickler().dumps(root);
    }

    /** One STORED record whose data starts on a 64-byte boundary (the padding is an extra field with id "FB"). */
    private static void record(ZipOutputStream zip, Counting counted, String name, byte[] data) throws IOException {
        String full = ARCHIVE + "/" + name;
        ZipEntry e = new ZipEntry(full);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTime(315532800000L + 43200000L); // 1980-01-01 12:00 UTC: a fixed DOS time, so equal models give equal files
        long header = counted.count + 30 + full.getBytes(StandardCharsets.UTF_8).length;
        int pad = (int) ((ALIGN - (header + 4) % ALIGN) % ALIGN);
        byte[] extra = new byte[4 + pad];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) (pad & 0xff);
        extra[3] = (byte) (pad >>> 8);
        e.setExtra(extra);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** Counts the bytes written, to place each record's data. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            flush(); // the atomic writer closes the file
        }
    }

    // ------------------------------------------------------------------------------------------------ the pickle

    /** {@code collections.OrderedDict(items)}: a list of (key, value) pairs keeps the order. */
    record OrderedDict(List<Object[]> items) {}

    /** A contiguous float32 tensor over a whole storage. */
    record Tensor(Storage storage, int[] shape) {}

    /** A float32 storage, record {@code data/<key>}. */
    record Storage(int key, long numel) {}

    /** The storage type {@code torch.FloatStorage}, a bare global inside the persistent id. */
    enum FloatStorageType { INSTANCE }

    private static final class StatePickler extends Pickler {
        StatePickler() {
            super(false); // no memo: razorvine keys it by identity hash codes, which may collide; the tree has no shared objects
        }

        @Override
        protected IObjectDeconstructor getCustomDeconstructor(Class<?> c) {
            if (c == OrderedDict.class) return ORDERED_DICT;
            if (c == Tensor.class) return TENSOR;
            if (c == FloatStorageType.class) return FLOAT_STORAGE;
            return null; // razorvine's static registry is never consulted: nothing else here needs it
        }

        @Override
        protected Object persistentId(Object o) {
            if (o instanceof Storage s) return new Object[] {"storage", FloatStorageType.INSTANCE, Integer.toString(s.key()), "cpu", s.numel()};
            return null;
        }
    }

    private static final IObjectDeconstructor ORDERED_DICT = new Deconstructor("collections", "OrderedDict") {
        @Override
        public Object[] deconstruct(Object o) {
            return new Object[] {new ArrayList<>(((OrderedDict) o).items())};
        }
    };

    private static final IObjectDeconstructor TENSOR = new Deconstructor("torch._utils", "_rebuild_tensor_v2") {
        @Override
        public Object[] deconstruct(Object o) {
            Tensor t = (Tensor) o;
            int n = t.shape().length;
            Object[] size = new Object[n];
            Object[] stride = new Object[n];
            long s = 1;
            for (int i = n - 1; i >= 0; i--) {
                size[i] = t.shape()[i];
                stride[i] = s;
                s *= t.shape()[i];
            }
            return new Object[] {t.storage(), 0, size, stride, false, new OrderedDict(List.of())};
        }
    };

    private static final IObjectDeconstructor FLOAT_STORAGE = new Deconstructor("torch", "FloatStorage") {
        @Override
        public Object[] deconstruct(Object o) {
            return new Object[0]; // no arguments: razorvine writes the GLOBAL alone, without REDUCE
        }
    };

    private abstract static class Deconstructor implements IObjectDeconstructor {
        private final String module;
        private final String name;

        Deconstructor(String module, String name) {
            this.module = module;
            this.name = name;
        }

        @Override
        public String getModule() {
            return module;
        }

        @Override
        public String getName() {
            return name;
        }
    }
}
