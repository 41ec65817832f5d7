package org.tempora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An output that cannot be written: a run folder, feature cache, .npy or picture whose folder cannot be created
 * (a file is in the way, permission denied, a read-only or full disk). The message is one line, {@code cannot write
 * <what>: <why>}. CLI exit code 1: the inputs are fine, the place to write to is not.
 */
public class OutputException extends TemporaException {
    private static final long serialVersionUID = 1L;

    public OutputException(String message, Throwable cause) {
        super(Messages.oneLine(message), cause);
    }

    /**
     * {@code cannot write <what>: <why>}, where {@code why} is the plain reason {@code target} could not be written.
     *
     * @param what   how the message names the output ("run folder runs/x", "runs/x/model.npz")
     * @param target the file or folder that was being written or created
     */
    public OutputException(String what, Path target, IOException cause) {
        this("cannot write " + what + ": " + reason(target, cause), cause);
    }

    /** Same, naming the output by its path. */
    public OutputException(Path target, IOException cause) {
        this(String.valueOf(target), target, cause);
    }

    /** Why {@code target} could not be written, in words; a file where a folder is needed is named. */
    static String reason(Path target, IOException e) {
        Path blocking = fileInTheWay(target);
        if (blocking != null) return blocking + " is a file, not a folder";
        if (e instanceof NoSuchFileException n && n.getFile() != null) {
            // the folder exists but a new entry in it "does not exist" (/proc, /sys, a vanished mount)
            Path parent = Path.of(n.getFile()).toAbsolutePath().getParent();
            if (parent != null && Files.isDirectory(parent)) return parent + " does not accept new files";
        }
        return Messages.io(e, target);
    }

    /** The nearest existing ancestor of {@code target} when it is not a folder (so nothing can be created under it). */
    private static Path fileInTheWay(Path target) {
        if (target == null) return null;
        for (Path p = target.getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) return Files.isDirectory(p) ? null : p;
        }
        return null;
    }
}
