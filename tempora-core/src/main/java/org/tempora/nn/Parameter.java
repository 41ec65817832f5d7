package org.tempora.nn;

import ai.djl.ndarray.NDArray;

/**
 * A trainable tensor of a {@link Module}, named with its PyTorch state_dict key (e.g.
 * {@code v.blocks.0.attn.qkv.weight}) so that checkpoints move between tempora and PyTorch unchanged.
 */
public final class Parameter {
    private final String name;
    private NDArray array;
    private final boolean decay;

    Parameter(String name, NDArray array, boolean decay) {
        this.name = name;
        this.array = array;
        this.decay = decay;
        array.setRequiresGradient(true);
    }

    /** Local name inside its module. */
    public String name() {
        return name;
    }

    public NDArray array() {
        return array;
    }

    /** Whether weight decay applies (false for norms, biases, positional embeddings and tokens). */
    public boolean decay() {
        return decay;
    }

    /** Replaces the values (same shape) without changing identity for the optimiser. */
    public void set(float[] values) {
        if (values.length != array.size()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + array.getShape());
        }
        array.set(values);
    }

    /** Replaces the tensor (possibly with a new shape), e.g. when positional embeddings are resized. */
    public void replace(NDArray newArray) {
        NDArray old = this.array;
        this.array = newArray;
        newArray.setRequiresGradient(true);
        if (old != newArray) old.close();
    }
}
