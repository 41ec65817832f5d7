package org.tempora;

/**
 * Another process is writing the same run folder or feature-cache entry (it holds the folder's lock). Exit code 2:
 * the command as given cannot run now; wait for the other process or choose another folder.
 */
public class BusyException extends TemporaException {
    private static final long serialVersionUID = 1L;

    public BusyException(String message) {
        super(message);
    }

    @Override
    public int exitCode() {
        return 2;
    }
}
