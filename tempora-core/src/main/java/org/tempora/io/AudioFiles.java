package org.tempora.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.tempora.InvalidInputException;
import org.tempora.Messages;

/** Finds audio files: a file is taken as given; a folder is searched recursively for .wav and .flac files. */
public final class AudioFiles {
    private AudioFiles() {}

    public static boolean isAudioName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".wav") || n.endsWith(".flac") || n.endsWith(".wave");
    }

    /** All audio files under a folder, sorted by path (byte order, so the result is the same everywhere). */
    public static List<Path> under(Path dir) {
        if (!Files.isDirectory(dir)) throw new InvalidInputException(dir, Files.exists(dir) ? "not a folder" : "no such folder");
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(AudioFiles::isAudioName).sorted().toList();
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
}
