package org.tempora.model;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import org.tempora.nn.Parameter;
import org.tempora.tokens.PatchEmbed;
import org.tempora.tokens.PatchGeometry;

/**
 * A backbone that tokenises with a {@link PatchEmbed} and adds a learnable positional embedding laid out as
 * {@code [1, prefix + fDim·tDim, D]} (prefix tokens first, then the grid row-major, time fastest). AST (prefix =
 * cls + dist) and Audio Mamba (prefix = cls, stored first and moved to the middle in forward) are; coarse-to-fine
 * phase transitions resize exactly these two tensors.
 */
public interface TokenBackbone extends Classifier {
    /** Its config: width, patch grid, sequence length, FLOPs. */
    TokenGrid config();

    /** Forward pass; when {@code trace} is given, intermediates go into it under the fixture names. */
    NDArray forward(NDArray x, Map<String, NDArray> trace);

    @Override
    default NDArray forward(NDArray x) {
        return forward(x, null);
    }

    @Override
    default double flopsPerExample() {
        return config().flops().total();
    }

    @Override
    default int tokens() {
        return config().sequenceLength();
    }

    PatchEmbed patchEmbed();

    Parameter posEmbed();

    /** Tokens stored in front of the grid in {@link #posEmbed()}. */
    int prefixTokens();

    /** Embedding width D. */
    default int width() {
        return config().dim();
    }

    default PatchGeometry geometry() {
        return patchEmbed().geometry();
    }
}
