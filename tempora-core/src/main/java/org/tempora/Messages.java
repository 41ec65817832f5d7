package org.tempora;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The error text of the libraries tempora uses (Jackson, SnakeYAML, the JDK's file system), turned into one line of
 * plain words for a {@link TemporaException}'s message: no line breaks, no source excerpts, no Java class names.
 */
public final class Messages {
    private Messages() {}

    /** SnakeYAML's mark line: {@code " in 'reader', line 2, column 7:"}. */
    private static final Pattern YAML_MARK = Pattern.compile("^\\s*in '[^']*', line (\\d+), column (\\d+):?\\s*$");
    /** Jackson's location: {@code [Source: REDACTED (`…` disabled); line: 1, column: 10]}. */
    private static final Pattern JACKSON_SOURCE = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)\\]");

    /** The text on one line: every line break, with the blanks around it, becomes one space. Null becomes "". */
    public static String oneLine(String s) {
        if (s == null) return "";
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /**
     * A JSON or YAML parse error in plain words with where it is, e.g. {@code expected ',' or ']', but got : at line 3,
     * column 9 (while parsing a flow sequence at line 2, column 7)} or {@code Unexpected end-of-input: expected close
     * marker for Array at line 1, column 11}. SnakeYAML's source excerpts and carets and Jackson's {@code [Source: …]}
     * are left out.
     */
    public static String parseError(JsonProcessingException e) {
        String text = e.getOriginalMessage();
        List<String[]> items = new ArrayList<>();   // {text, location or null}
        if (text != null) {
            for (String line : text.split("\\R")) {
                if (line.isBlank()) continue;
                Matcher m = YAML_MARK.matcher(line);
                if (m.matches()) {
                    if (!items.isEmpty() && items.get(items.size() - 1)[1] == null) {
                        items.get(items.size() - 1)[1] = "line " + m.group(1) + ", column " + m.group(2);
                    }
                } else if (!Character.isWhitespace(line.charAt(0))) {
                    items.add(new String[] {stripSource(line.strip()), null});
                }
                // anything else is an excerpt of the source or the caret under it
            }
        }
        if (items.isEmpty()) items.add(new String[] {"unreadable", null});
        String[] main = items.get(items.size() - 1);
        JsonLocation loc = e.getLocation();
        if (main[1] == null && items.size() == 1 && loc != null && loc.getLineNr() > 0) {
            main[1] = "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        }
        StringBuilder b = new StringBuilder(at(main));
        if (items.size() > 1) {
            List<String> context = new ArrayList<>();
            for (String[] it : items.subList(0, items.size() - 1)) context.add(at(it));
            b.append(" (").append(String.join("; ", context)).append(')');
        }
        return oneLine(b.toString());
    }

    private static String at(String[] item) {
        return item[1] == null ? item[0] : item[0] + " at " + item[1];
    }

    /** Jackson's {@code (start marker at [Source: …; line: 1, column: 10])} becomes {@code (start marker at line 1, column 10)}. */
    private static String stripSource(String s) {
        return JACKSON_SOURCE.matcher(s).replaceAll("line $1, column $2");
    }

    /**
     * A file-system error in plain words: {@code permission denied}, {@code not a folder}, {@code no such file or
     * folder}, the system's own reason ({@code read-only file system}, {@code no space left on device}), or the message
     * of any other I/O error on one line. The path the error names is appended when it is not {@code subject} (the
     * file the caller's message already names); pass null to always append it.
     */
    public static String io(IOException e, java.nio.file.Path subject) {
        String why;
        if (e instanceof AccessDeniedException) why = "permission denied";
        else if (e instanceof NoSuchFileException) why = "no such file or folder";
        else if (e instanceof NotDirectoryException) why = "not a folder";
        else if (e instanceof FileAlreadyExistsException) why = "already exists";
        else if (e instanceof DirectoryNotEmptyException) why = "folder not empty";
        else if (e instanceof FileSystemException f && f.getReason() != null) why = lowerFirst(oneLine(f.getReason()));
        else if (e instanceof EOFException) why = "unexpected end of file";
        else if (e instanceof JsonProcessingException j) return parseError(j);
        else why = e.getMessage() == null || e.getMessage().isBlank() ? "input/output error" : oneLine(e.getMessage());
        if (e instanceof FileSystemException f && f.getFile() != null && !sameFile(f.getFile(), subject)) {
            why += " (" + f.getFile() + (f.getOtherFile() != null ? " → " + f.getOtherFile() : "") + ")";
        }
        return why;
    }

    private static boolean sameFile(String file, java.nio.file.Path subject) {
        if (subject == null) return false;
        try {
            return java.nio.file.Path.of(file).toAbsolutePath().normalize().equals(subject.toAbsolutePath().normalize());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String lowerFirst(String s) {
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
        }
        return s;
    }
}
