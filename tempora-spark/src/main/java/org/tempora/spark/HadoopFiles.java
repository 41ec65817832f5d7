package org.tempora.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.OutputException;

/**
 * Files on any Hadoop file system (local, HDFS, S3A, …) for the Spark jobs. Audio on a local ({@code file:}) path is
 * read where it lies, exactly as the single-process CLI reads it; audio elsewhere is copied to a local temporary file
 * first and decoded by the same code. The Hadoop configuration travels to executors as a plain map (it is not
 * serialisable itself).
 */
final class HadoopFiles implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Map<String, String> conf;

    HadoopFiles(Configuration c) {
        Map<String, String> m = new HashMap<>();
        c.forEach(e -> m.put(e.getKey(), e.getValue()));
        this.conf = m;
    }

    Configuration conf() {
        Configuration c = new Configuration(false);
        conf.forEach(c::set);
        return c;
    }

    FileSystem fs(Path p) throws IOException {
        return p.getFileSystem(conf());
    }

    /** The local path of {@code uri} when it is on the local file system (no scheme, or {@code file:}), else null. */
    static java.nio.file.Path localPath(String uri) {
        if (uri.startsWith("file:")) return java.nio.file.Path.of(URI.create(uri.startsWith("file:/") && !uri.startsWith("file://") ? "file://" + uri.substring(5) : uri));
        int colon = uri.indexOf(':');
        int slash = uri.indexOf('/');
        boolean scheme = colon > 1 && (slash < 0 || colon < slash) && uri.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
        return scheme ? null : java.nio.file.Path.of(uri);
    }

    /** How a listed Hadoop path is shown to the user: a plain path for a local file, the URI otherwise. */
    static String display(Path p) {
        URI u = p.toUri();
        if (u.getScheme() == null || u.getScheme().toLowerCase(Locale.ROOT).equals("file")) return u.getPath();
        return p.toString();
    }

    /** A local copy (or the file itself) of one audio file, deleted on close when it is a copy. */
    record Local(java.nio.file.Path path, boolean copy) implements AutoCloseable {
        @Override
        public void close() {
            if (copy) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // a temporary file left behind is harmless; the next run does not read it
                }
            }
        }
    }

    /** The audio at {@code uri} as a local file. @throws InvalidInputException naming {@code uri} when it cannot be read */
    Local local(String uri) {
        java.nio.file.Path p = localPath(uri);
        if (p != null) return new Local(p, false);
        Path hp = new Path(uri);
        String name = hp.getName();
        int dot = name.lastIndexOf('.');
        java.nio.file.Path tmp = null;
        try {
            tmp = Files.createTempFile("tempora-spark-", dot >= 0 ? name.substring(dot) : ".audio");
            try (InputStream in = fs(hp).open(hp)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return new Local(tmp, true);
        } catch (IOException e) {
            if (tmp != null) new Local(tmp, true).close();
            throw new InvalidInputException(uri, "cannot read: " + Messages.io(e, null), e);
        }
    }

    /** Writes {@code text} to {@code target} through a temporary name and a rename (atomic on HDFS and local disks). */
    void writeAtomically(Path target, String text) {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".inprogress");
        try {
            FileSystem fs = fs(target);
            try (OutputStream o = fs.create(tmp, true)) {
                o.write(text.getBytes(StandardCharsets.UTF_8));
            }
            if (!fs.rename(tmp, target)) throw new IOException("rename of " + tmp + " to " + target + " failed");
        } catch (IOException e) {
            throw new OutputException("cannot write " + target + ": " + Messages.io(e, null), e);
        }
    }
}
