package org.tempora.data;

import java.util.Objects;

/**
 * One labelled example: a stable id (unique within the dataset, e.g. the path relative to the dataset root),
 * its audio, and its labels as class indices (one for single-label datasets, one or more for multi-label).
 */
public record Clip(String id, AudioSource audio, int[] labels) {
    public Clip {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(audio, "audio");
        Objects.requireNonNull(labels, "labels");
    }

    /** The single label of a single-label clip. */
    public int label() {
        if (labels.length != 1) throw new IllegalStateException(id + " has " + labels.length + " labels");
        return labels[0];
    }
}
