package org.tempora.run;

import org.tempora.train.Trainer;

/** Progress of a whole experiment (stages, feature extraction, training); the CLI renders it. */
public interface RunListener extends Trainer.Listener {
    /** A new stage starts ("loading dataset", "computing features (train)", …). */
    default void onStage(String message) {}

    /** Feature extraction progress within the current stage. */
    default void onProgress(int done, int total) {}

    /** Something the user should know (skipped files, a chosen default). */
    default void onNote(String message) {}
}
