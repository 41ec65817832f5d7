package org.tempora.audio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.tempora.InvalidInputException;
import org.tempora.Stop;

/**
 * A file that another program is still writing (a recorder, a capture process), read as it grows, like
 * {@code tail -f}: at its current end the stream waits for more instead of ending, and ends once the file has not
 * grown for {@code idleMillis} (the writer has finished or stalled) or a stop is requested ({@link Stop}; the stream
 * then ends normally, so the windows already complete are all reported). Memory is one read buffer.
 */
public final class GrowingFile extends InputStream {
    private final Path file;
    private final FileChannel ch;
    private final long idleMillis;
    private final long pollMillis;
    private long position;

    /**
     * @param idleMillis end after the file has not grown for this long
     * @param pollMillis how often to look for new bytes at the end
     * @throws InvalidInputException naming the file when it cannot be opened
     */
    public GrowingFile(Path file, long idleMillis, long pollMillis) {
        if (idleMillis < 0 || pollMillis < 1) throw new IllegalArgumentException("idle >= 0 and poll >= 1 ms expected");
        this.file = file;
        this.idleMillis = idleMillis;
        this.pollMillis = pollMillis;
        try {
            this.ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new InvalidInputException(file, "cannot open: " + e.getMessage(), e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        long idleSince = System.nanoTime();
        while (true) {
            int n = ch.read(ByteBuffer.wrap(b, off, len), position);
            if (n > 0) {
                position += n;
                return n;
            }
            if (ch.size() < position) {
                throw new InvalidInputException(file, "the file shrank from " + position + " to " + ch.size()
                        + " bytes while it was read (it was replaced or truncated)");
            }
            if (Stop.requested() != null || (System.nanoTime() - idleSince) / 1_000_000 >= idleMillis) return -1;
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
