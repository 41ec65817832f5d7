package org.tempora.data;

import java.util.Locale;

/** The three splits of an experiment. */
public enum Split {
    TRAIN, VALID, TEST;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
