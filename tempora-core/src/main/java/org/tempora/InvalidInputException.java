package org.tempora;

import java.nio.file.Path;

/**
 * Bad input data: a file that is missing, unreadable, malformed, unsupported or whose content cannot be used
 * (NaN samples, a clip shorter than one analysis window, …). The message always names the file and the problem.
 * CLI exit code 3.
 */
public class InvalidInputException extends TemporaException {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final String problem;

    public InvalidInputException(String source, String problem) {
        super(source + ": " + problem);
        this.source = source;
        this.problem = problem;
    }

    public InvalidInputException(Path file, String problem) {
        this(String.valueOf(file), problem);
    }

    public InvalidInputException(Path file, String problem, Throwable cause) {
        this(String.valueOf(file), problem, cause);
    }

    public InvalidInputException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
        this.source = source;
        this.problem = problem;
    }

    /** The file (or other named source) the problem is in. */
    public String source() {
        return source;
    }

    /** The problem, without the source prefix. */
    public String problem() {
        return problem;
    }

    @Override
    public int exitCode() {
        return 3;
    }
}
