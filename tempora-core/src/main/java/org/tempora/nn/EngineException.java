package org.tempora.nn;

import org.tempora.TemporaException;

/**
 * The numerical engine (libtorch on this CPU) failed tempora's self-check ({@link EngineCheck}): an op tempora
 * relies on gives wrong values or gradients here. CLI exit code 4.
 */
public final class EngineException extends TemporaException {
    private static final long serialVersionUID = 1L;

    public EngineException(String message) {
        super(message);
    }

    @Override
    public int exitCode() {
        return 4;
    }
}
