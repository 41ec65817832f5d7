package org.tempora;

/**
 * Base of every error the tempora library throws. The library never prints or exits; the CLI maps these
 * to one line and an exit code ({@link #exitCode()}).
 */
public class TemporaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TemporaException(String message) {
        super(message);
    }

    public TemporaException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Process exit code the CLI uses for this error: 1 = anything else (documented in the README). */
    public int exitCode() {
        return 1;
    }
}
