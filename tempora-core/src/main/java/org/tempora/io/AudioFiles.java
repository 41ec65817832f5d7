package org.tempora.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.tempora.InvalidInputException;
import org.tempora.Messages;

/**
 * Finds audio files: a file is taken as given; a folder is searched recursively for .wav and .flac files. Also the
 * one check that a path is a regular file before anything opens it: opening a FIFO blocks until a writer appears,
 * and a device or a directory is never audio.
 */
public final class AudioFiles {
    private AudioFiles() {}

    public static boolean isAudioName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".wav") || n.endsWith(".flac") || n.endsWith(".wave");
    }

    /**
     * All audio files under a folder, sorted by path (byte order, so the result is the same everywhere). Entries
     * with an audio name that exist but are not regular files (a FIFO, a device) are listed too, so that reading
     * them reports the problem instead of silently leaving them out; folders and dangling links are not.
     */
    public static List<Path> under(Path dir) {
        if (!Files.isDirectory(dir)) throw new InvalidInputException(dir, Files.exists(dir) ? "not a folder" : "no such folder");
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.exists(p) && !Files.isDirectory(p)).filter(AudioFiles::isAudioName).sorted().toList();
        } catch (IOException e) {
            throw new InvalidInputException(dir, "cannot list folder: " + Messages.io(e, dir), e);
        }
    }

    /**
     * The audio files under a folder given as input, which must hold at least one: a folder without audio is bad input
     * data (the same error for every command), not an empty result.
     */
    public static List<Path> inFolder(Path dir) {
        List<Path> files = under(dir);
        if (files.isEmpty()) throw new InvalidInputException(dir, "no .wav or .flac files in this folder");
        return files;
    }

    /** Expands files and folders given on a command line, in the given order; every folder must hold audio. */
    public static List<Path> expand(List<Path> args) {
        List<Path> out = new ArrayList<>();
        for (Path p : args) {
            if (Files.isDirectory(p)) out.addAll(inFolder(p));
            else out.add(p);
        }
        return out;
    }

    /**
     * Why {@code p} cannot be read as a file, or null when it is a regular file (symbolic links are followed):
     * {@code "file not found"}, or {@code "not a regular file (a FIFO)"} and the like. Looks at the file's type
     * only, without opening it.
     */
    public static String problem(Path p) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return "file not found";
        } catch (AccessDeniedException e) {
            return "cannot read file: permission denied";
        } catch (IOException | SecurityException e) {
            return "cannot open file: " + e.getMessage();
        }
        if (a.isRegularFile()) return null;
        return "not a regular file (" + kind(p, a) + ")";
    }

    /** @throws InvalidInputException naming the file when {@link #problem} finds one */
    public static void requireRegularFile(Path p) {
        String problem = problem(p);
        if (problem != null) throw new InvalidInputException(p, problem);
    }

    private static String kind(Path p, BasicFileAttributes a) {
        if (a.isDirectory()) return "a directory";
        try {
            // the file type bits of st_mode (Linux and the BSDs share them)
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            switch (mode & 0170000) {
                case 0010000: return "a FIFO";
                case 0020000: return "a character device";
                case 0060000: return "a block device";
                case 0140000: return "a socket";
                default: break;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException
                 | SecurityException e) {
            // no unix view on this platform: fall back to the generic word
        }
        return "a special file";
    }
}
