package org.tempora.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.tempora.BusyException;
import org.tempora.OutputException;

/**
 * An exclusive lock on a folder that one tempora process writes (a run folder, a feature-cache entry): an OS file lock
 * ({@code fcntl}) on {@code <folder>/.lock}, released when closed or when the process dies, even by {@code kill -9}.
 * The lock file holds the owner's pid, for the message a second writer gets. The file itself stays (an empty file
 * tempora wrote); its presence means nothing, only the OS lock does.
 */
public final class FolderLock implements AutoCloseable {
    /** The lock file's name inside the folder. */
    public static final String NAME = ".lock";

    private final FileChannel channel;
    private final FileLock lock;
    private final Path file;

    private FolderLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code folder} (created if missing) without waiting.
     *
     * @param what how to name the folder in the message ("run folder runs/x")
     * @throws BusyException if another process (or another writer in this one) holds it
     */
    public static FolderLock acquire(Path folder, String what) {
        Path file = folder.resolve(NAME);
        FileChannel ch = null;
        try {
            Files.createDirectories(folder);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;   // this JVM holds it already
            }
            if (l == null) {
                String owner = owner(ch);
                ch.close();
                throw new BusyException(what + " is in use by another tempora process" + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                        + "; wait for it to finish or choose another folder");
            }
            byte[] pid = Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(pid), 0);
            return new FolderLock(file, ch, l);
        } catch (IOException e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // the original problem is the one to report
            }
            throw new OutputException(what, folder, e);
        }
    }

    private static String owner(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        int n = ch.read(b, 0);
        return n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.US_ASCII).strip();
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release " + file + ": " + e.getMessage(), e);
        }
    }
}
