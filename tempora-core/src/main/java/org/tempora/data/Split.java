package org.tempora.data;

/** The three splits of an experiment. */
public enum Split {
    TRAIN, VALID, TEST;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
