package org.tempora.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.tempora.InvalidInputException;
import org.tempora.Messages;

/**
 * NumPy {@code .npz} archives (a zip of {@code <key>.npy} entries, stored uncompressed): how tempora keeps
 * model weights and optimiser state. {@code numpy.load("model.npz")} reads them, keyed by PyTorch names, so
 * weights move to and from PyTorch with {@code {k: torch.from_numpy(v) for k, v in np.load(f).items()}}.
 */
public final class Npz {
    private Npz() {}

    /** A named float32 tensor to store. */
    public record Entry(float[] data, int[] shape) {}

    /** Writes the entries atomically, in map order. */
    public static void write(Path path, Map<String, Entry> entries) throws IOException {
        AtomicFiles.write(path, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream(e.getValue().data().length * 4 + 128);
                Npy.write(buf, e.getValue().data(), e.getValue().shape());
                byte[] bytes = buf.toByteArray();
                ZipEntry ze = new ZipEntry(e.getKey() + ".npy");
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(bytes.length);
                ze.setCompressedSize(bytes.length);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                ze.setCrc(crc.getValue());
                ze.setTime(0); // reproducible archives
                zip.putNextEntry(ze);
                zip.write(bytes);
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    /** Reads every entry, keyed without the .npy suffix, in archive order. */
    public static Map<String, Npy.Array> read(Path path) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(path.toFile())) {
            var it = zip.entries();
            while (it.hasMoreElements()) {
                ZipEntry ze = it.nextElement();
                String name = ze.getName();
                if (!name.endsWith(".npy")) continue;
                try (InputStream in = zip.getInputStream(ze)) {
                    byte[] bytes = in.readAllBytes();
                    out.put(name.substring(0, name.length() - 4), Npy.read(new ByteArrayInputStream(bytes), path + ":" + name));
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException(path, "cannot read .npz archive: " + Messages.io(e, path), e);
        }
        return out;
    }
}
