package org.tempora.model;

import org.tempora.eval.FlopCount;
import org.tempora.tokens.PatchGeometry;

/** What a patch-token backbone's config tells about its shape and cost ({@link AstConfig}, {@code AumConfig}). */
public interface TokenGrid {
    /** Embedding width D. */
    int dim();

    /** The patch grid. */
    PatchGeometry patches();

    /** Tokens the encoder sees: patches plus prefix tokens. */
    int sequenceLength();

    /** Forward FLOPs per example. */
    FlopCount flops();
}
