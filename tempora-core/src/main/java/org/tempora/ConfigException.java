package org.tempora;

/** An invalid option, config value or combination of them (a usage error). CLI exit code 2. */
public class ConfigException extends TemporaException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    @Override
    public int exitCode() {
        return 2;
    }
}
