package org.tempora.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.tempora.OutputException;

/**
 * Writes files so that a reader never sees a half-written one: the content goes to a temporary file in the
 * same folder ({@code .<name>.<16 hex digits>.tmp}), which is then renamed over the target in one atomic step. On
 * any failure the temporary file is deleted and the target is left as it was. A process killed with {@code kill -9}
 * cannot delete its temporary file; {@link #removeStaleTemps} does that for the next writer of the folder, which must
 * hold the folder's lock ({@link FolderLock}) so no live writer's file is removed.
 *
 * <p>Files are created with the default permissions (0666 less the umask, as any other program's), not 0600.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Something that writes the content of a file. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes {@code path} atomically with the given writer; creates missing parent folders. */
    public static void write(Path path, Writer writer) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = newTemp(dir, abs.getFileName().toString());
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(out);
            }
            moveAtomically(tmp, abs);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e;
        } finally {
            IN_FLIGHT.remove(tmp);
        }
    }

    /** A new, empty temporary file for {@code name} in {@code dir}, named so {@link #isTemp} recognises it. */
    public static Path newTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + HexFormat.of().toHexDigits(RANDOM.nextLong()) + ".tmp");
            try {
                // CREATE_NEW with no explicit attributes: the umask decides the mode, as for any file a user's program writes
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                IN_FLIGHT.add(tmp);
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Temporary files being written; a JVM that exits normally (System.exit, a signal) deletes the ones left. */
    private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path p : IN_FLIGHT) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort while the JVM exits; the next writer of the folder removes it (removeStaleTemps)
                }
            }
        }, "tempora-temp-cleanup"));
    }

    /** Forgets a temporary file made by {@link #newTemp} once its writer has renamed or deleted it. */
    public static void done(Path tmp) {
        IN_FLIGHT.remove(tmp);
    }
    /** {@code .<name>.<16 hex>.tmp} (ours) and {@code .<name>.<digits>.tmp} (what earlier versions left). */
    private static final Pattern TEMP = Pattern.compile("\\..+\\.([0-9a-f]{16}|\\d+)\\.tmp");

    /** Whether a file name is one of this class's temporary files. */
    public static boolean isTemp(Path file) {
        return file.getFileName() != null && TEMP.matcher(file.getFileName().toString()).matches();
    }

    /**
     * Deletes the temporary files a killed writer left directly in {@code dir} (not below). Only names this class
     * creates are touched. Call it while holding the folder's lock. @return how many were removed
     */
    public static int removeStaleTemps(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        int n = 0;
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (isTemp(p) && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                    n++;
                }
            }
        }
        return n;
    }

    /** Writes a UTF-8 string atomically. */
    public static void writeString(Path path, String content) throws IOException {
        write(path, out -> out.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Same as {@link #write} but throws {@link OutputException} ("cannot write <path>: <why>"). */
    public static void writeUnchecked(Path path, Writer writer) {
        try {
            write(path, writer);
        } catch (IOException e) {
            throw new OutputException(path, e);
        }
    }

    /** Renames {@code from} onto {@code to} atomically (same file system). */
    public static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
